#!/usr/bin/env bash
# Local Apache Kafka (KRaft, single node) on 127.0.0.1, from Maven Central jars.
#
#   deploy/kafka/kafka.sh fetch                    resolve jars into deploy/kafka/libs/
#   deploy/kafka/kafka.sh start [DATA_DIR] [PORT]  format if needed, start, wait;
#                                                  prints the bootstrap address
#   deploy/kafka/kafka.sh stop [DATA_DIR]          SIGTERM, then SIGKILL after 30 s
#   deploy/kafka/kafka.sh status [DATA_DIR]        exit 0 running, 3 stopped
#
# DATA_DIR defaults to var/kafka under the repository root (a relative
# DATA_DIR given is taken from the current directory), PORT to 9092. The
# work is done by devtools/kafka/ (a development tool of the source checkout,
# not installed with the package), which the tests use too; this
# script only picks the Python and maps arguments. Set PYTHON to use another
# interpreter than the project's .venv.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
python="${PYTHON:-$root/.venv/bin/python}"

usage() {
    sed -n '2,8p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit "${1:-2}"
}

if [[ ! -x "$python" ]]; then
    echo "kafka.sh: no Python at $python; run 'make install' or set PYTHON" >&2
    exit 1
fi

local_kafka() {
    # Run from the repository root: devtools/ is importable from there only.
    (cd "$root" && PYTHONPATH="$root${PYTHONPATH:+:$PYTHONPATH}" \
        "$python" -m devtools.kafka --deploy-dir "$here" "$@")
}

data_dir() {
    case "${1:-}" in
        "") printf '%s\n' "$root/var/kafka" ;;
        /*) printf '%s\n' "$1" ;;
        *) printf '%s\n' "$PWD/$1" ;;
    esac
}

command="${1:-}"
[[ -n "$command" ]] || usage
shift

case "$command" in
    fetch)
        [[ $# -eq 0 ]] || usage
        local_kafka fetch
        ;;
    start)
        [[ $# -le 2 ]] || usage
        local_kafka start --data-dir "$(data_dir "${1:-}")" --port "${2:-9092}"
        ;;
    stop | status)
        [[ $# -le 1 ]] || usage
        local_kafka "$command" --data-dir "$(data_dir "${1:-}")"
        ;;
    -h | --help | help)
        usage 0
        ;;
    *)
        usage
        ;;
esac
