/**
 * Password hashing with argon2id (@node-rs/argon2, prebuilt for each platform on the npm
 * registry), at OWASP's recommended parameters: 19 MiB of memory, 2 iterations, 1 lane.
 */
// Imported on first use: the native module costs ~13 MB of RSS in a process that never hashes (the worker).
const argon2 = () => import('@node-rs/argon2');

// `algorithm: 2` is Algorithm.Argon2id; the package's enum is a const enum our isolated-module build cannot import.
const OPTIONS = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const PASSWORD_MIN = 12;
export const PASSWORD_MAX = 128;

export const hashPassword = async (password: string): Promise<string> => (await argon2()).hash(password, OPTIONS);

/** True when `password` matches `stored`; false (never an error) for anything else. */
export const verifyPassword = async (stored: string, password: string): Promise<boolean> =>
  (await argon2()).verify(stored, password).catch(() => false);

let decoy: Promise<string> | undefined;
/**
 * The same work as a real check, for an account that does not exist: a sign-in then takes as long
 * whether or not the email is known, so timing does not tell an attacker which accounts exist.
 */
export async function verifyAgainstDecoy(password: string): Promise<false> {
  await verifyPassword(await (decoy ??= hashPassword('decoy password, never a real one')), password);
  return false;
}
