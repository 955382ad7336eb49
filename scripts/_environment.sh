# Sourced by the scripts beside it: makes sure .venv holds fixvenue and its development
# dependencies, reinstalling only when pyproject.toml has changed since the last install.
set -euo pipefail
repository="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repository"
python="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    echo "creating .venv with $($python --version)" >&2
    "$python" -m venv .venv
fi
stamp=.venv/.fixvenue-installed
wanted="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
    echo "installing fixvenue and its dependencies into .venv (the first time builds the" \
         "QuickFIX wheel from source: about 6 minutes)" >&2
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -e '.[dev]'
    echo "$wanted" > "$stamp"
fi
export PATH="$repository/.venv/bin:$PATH"
