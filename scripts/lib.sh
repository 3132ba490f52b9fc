# Shared helpers for scripts/serve.sh and scripts/test.sh; source it from the project root.

step() {
    printf '\n\033[1m==> %s\033[0m\n' "$*"
}

die() {
    printf 'error: %s\n' "$*" >&2
    exit 1
}

# Print DATABASE_URL (or the SQLite default) with any password masked.
describe_db() {
    local url=${DATABASE_URL:-sqlite:///db.sqlite3}
    sed -E 's#(://[^:/@]*):[^@]*@#\1:***@#' <<<"$url"
}

# ensure_venv base|test: create .venv if missing and install the project (base) or .[test] into
# it. A stamp holding the hash of pyproject.toml skips the install when nothing changed.
ensure_venv() {
    local kind=$1 python=${PYTHON:-python3} spec=. hash
    if [ ! -x .venv/bin/python ]; then
        command -v "$python" >/dev/null || die "$python not found; install Python 3.11 or newer."
        "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' ||
            die "Python 3.11 or newer is needed; $python is $("$python" --version 2>&1)."
        step "Creating .venv with $("$python" --version 2>&1)"
        "$python" -m venv .venv || die "could not create .venv (on Debian: apt-get install python3-venv)."
    fi
    [ "$kind" = test ] && spec=".[test]"
    hash=$(sha256sum pyproject.toml | cut -d' ' -f1)
    if [ "$(cat ".venv/.dx-install-$kind" 2>/dev/null)" = "$hash" ] ||
        { [ "$kind" = base ] && [ "$(cat .venv/.dx-install-test 2>/dev/null)" = "$hash" ]; }; then
        return 0
    fi
    step "Installing $spec into .venv"
    .venv/bin/python -m pip install -q --disable-pip-version-check -e "$spec" ||
        die "pip install -e '$spec' failed."
    echo "$hash" >".venv/.dx-install-$kind"
    if [ "$kind" = test ]; then echo "$hash" >.venv/.dx-install-base; fi
}

# ensure_debian_packages PKG...: install the missing ones with apt-get when root, else explain.
ensure_debian_packages() {
    local pkg missing=()
    command -v dpkg-query >/dev/null || {
        echo "Not a Debian system; make sure these (or their equivalents) are installed: $*"
        return 0
    }
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" ||
            missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
        step "Installing Debian packages: ${missing[*]}"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" ||
            echo "warning: apt-get could not install ${missing[*]}; later steps may fail." >&2
    else
        echo "warning: missing Debian packages: ${missing[*]}" >&2
        echo "         install them with: sudo apt-get install -y ${missing[*]}" >&2
    fi
}
