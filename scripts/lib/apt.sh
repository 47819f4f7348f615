# Sourced by the set-up scripts. apt_install <who> <on-failure: warn|fail> <reason> <packages…>:
# installs missing Debian packages when running as root with apt-get, else says what to install
# (and with `fail`, stops the calling script).
apt_install() {
  local who=$1 on_failure=$2 reason=$3
  shift 3
  [ $# -gt 0 ] || return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "$who: installing Debian packages: $*"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
  elif [ "$on_failure" = fail ]; then
    echo "$who: please install the Debian packages: $* ($reason)" >&2
    exit 1
  else
    echo "$who: please install $* ($reason)" >&2
  fi
}
