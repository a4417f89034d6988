# Sourced by demo.sh and test.sh: make .venv with Python 3.11+ and install the project into it.
# Usage: ensure_venv [extras]   e.g. ensure_venv test
set -euo pipefail

PYTHON="${PYTHON:-$(command -v python3.11 || command -v python3)}"

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
        echo "need root for: $*" >&2; return 1; fi
}

apt_install() {
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "$@"
}

ensure_venv() {
    local extras="${1:-}" spec="." stamp
    [ -n "$extras" ] && spec=".[$extras]"
    if [ ! -x .venv/bin/python ]; then
        if ! "$PYTHON" -m venv .venv 2>/dev/null; then
            rm -rf .venv
            local v
            v="$("$PYTHON" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
            apt_install "python${v}-venv" || apt_install python3-venv
            "$PYTHON" -m venv .venv
        fi
    fi
    # Reinstall only when the dependencies changed.
    stamp=".venv/.installed-$(cat setup.cfg pyproject.toml | sha1sum | cut -c1-12)-${extras:-base}"
    if [ ! -e "$stamp" ]; then
        .venv/bin/python -m pip install -q --upgrade pip
        .venv/bin/python -m pip install -q -e "$spec"
        touch "$stamp"
    fi
}
