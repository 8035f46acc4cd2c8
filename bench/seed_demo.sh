#!/usr/bin/env bash
# Times `flask seed-demo --customers 100000` on a fresh database.
# Usage: bench/seed_demo.sh [DATABASE_URL]   (default: a new SQLite file under bench/out/)
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p bench/out
URL="${1:-sqlite:///$PWD/bench/out/seed.db}"
if [[ "$URL" == sqlite* ]]; then rm -f bench/out/seed.db*; fi
if [[ "$URL" == postgresql* ]]; then
  .venv/bin/python - "$URL" <<'PY'
import sys, sqlalchemy as sa
e = sa.create_engine(sys.argv[1], isolation_level="AUTOCOMMIT")
with e.connect() as c:
    c.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE")); c.execute(sa.text("CREATE SCHEMA public"))
PY
fi
export FLASK_APP=wsgi PORTAL_DATABASE_URL="$URL"
.venv/bin/flask db upgrade >/dev/null 2>&1
start=$(date +%s.%N)
.venv/bin/flask seed-demo --customers "${CUSTOMERS:-100000}" 2>/dev/null | grep -E "Bulk data|Took"
end=$(date +%s.%N)
echo "seed-demo --customers ${CUSTOMERS:-100000} on ${URL%%:*}: $(echo "$end - $start" | bc) s wall"
.venv/bin/python - "$URL" <<'PY'
import sys, sqlalchemy as sa
e = sa.create_engine(sys.argv[1])
with e.connect() as c:
    for t in ("customers", "contacts", "invoices", "invoice_lines"):
        print(f"  {t}: {c.execute(sa.text(f'SELECT count(*) FROM {t}')).scalar()}")
PY
