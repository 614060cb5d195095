#!/bin/sh
# Stand-in for Prisma's native schema engine, which cannot be downloaded offline. `prisma generate` only checks
# that this file exists; anything that really needs the engine (migrate, db push) fails loudly instead.
echo "schema-engine is not available offline" >&2
exit 1
