/** cockatiel's circuit states as the words we show in /health/details, logs and metrics. */
import { CircuitState } from 'cockatiel';

export type BreakerState = 'closed' | 'open' | 'half-open' | 'isolated';

const NAMES: Record<CircuitState, BreakerState> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Isolated]: 'isolated',
};

export const breakerStateName = (state: CircuitState): BreakerState => NAMES[state];
