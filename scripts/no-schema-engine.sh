#!/bin/sh
# Stand-in for Prisma's native schema engine. `prisma generate` only checks that the binary
# exists (it never runs it), so pointing PRISMA_SCHEMA_ENGINE_BINARY here lets generate work on
# machines that cannot download engines. Anything that really needs the engine lands here.
echo "The Prisma schema engine is not installed here. Use 'npm run db:migrate' (our runner) or run prisma migrate where the engine can be downloaded." >&2
exit 1
