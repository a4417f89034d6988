# Sourced by demo.sh and test.sh: make .venv with Python 3.11+ and install the project into it.
# Usage: ensure_venv [extras]   e.g. ensure_venv test
# It prints one line per step; what the installers print goes to $INSTALL_LOG.
set -euo pipefail

PYTHON="${PYTHON:-$(command -v python3.11 || command -v python3)}"

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
        echo "need root for: $*" >&2; return 1; fi
}

# Installer output goes to this log; on a failure its path and last lines are printed.
INSTALL_LOG="${INSTALL_LOG:-instance/install.log}"

quietly() { # what... -- command...: run it with its output in $INSTALL_LOG
    local what="$1"; shift
    mkdir -p "$(dirname "$INSTALL_LOG")"
    echo "-- $what (log: $INSTALL_LOG)"
    if ! "$@" >>"$INSTALL_LOG" 2>&1; then
        echo "FAILED: $what. The last lines of $INSTALL_LOG:" >&2
        tail -n 25 "$INSTALL_LOG" >&2
        return 1
    fi
}

apt_install() {
    quietly "updating the Debian package lists" as_root apt-get update -qq || return 1
    quietly "installing Debian packages: $*" as_root env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends "$@"
}

ensure_venv() {
    local extras="${1:-}" spec="." stamp
    [ -n "$extras" ] && spec=".[$extras]"
    if [ ! -x .venv/bin/python ]; then
        mkdir -p "$(dirname "$INSTALL_LOG")"
        if ! "$PYTHON" -m venv .venv >>"$INSTALL_LOG" 2>&1; then
            rm -rf .venv
            local v
            v="$("$PYTHON" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
            apt_install "python${v}-venv" || apt_install python3-venv
            quietly "creating .venv" "$PYTHON" -m venv .venv || return 1
        fi
    fi
    # Reinstall only when the dependencies changed.
    stamp=".venv/.installed-$(cat setup.cfg pyproject.toml | sha1sum | cut -c1-12)-${extras:-base}"
    if [ ! -e "$stamp" ]; then
        quietly "upgrading pip" .venv/bin/python -m pip install --upgrade pip || return 1
        quietly "installing the project and its dependencies ($spec)" \
            .venv/bin/python -m pip install -e "$spec" || return 1
        touch "$stamp"
    else
        echo "-- dependencies already installed (.venv)"
    fi
}
