#!/usr/bin/env bash
# `make test-cluster`: install SLURM if missing, start a private single-node cluster, run
# tests/cluster against it with `snakemake --profile cluster`, and always tear it down.
#
# Needs root the first time (apt-get); the venv comes from the
# Makefile. The measured wall times and overheads are printed at the end (and kept in
# $SIGFORGE_CLUSTER_REPORT when that is set).
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${BIN:-$PWD/.venv/bin}
HARNESS=$PWD/tests/cluster/slurm.sh

"$HARNESS" install

# Everything the cluster writes (munge key and socket, spool, state, logs) lives here.
STATE=$(mktemp -d /tmp/sigforge-slurm.XXXXXX)
REPORT=${SIGFORGE_CLUSTER_REPORT:-$STATE.report.tsv}
cleanup() {
    local rc=$?
    # On failure keep the daemons' logs visible before they are deleted with STATE.
    if ((rc != 0)) && [[ -d $STATE/log ]]; then
        tail -n 30 "$STATE"/log/slurmctld.log "$STATE"/log/slurmd.log >&2 || true
    fi
    "$HARNESS" stop "$STATE"
    if [[ -n ${WORK:-} && -d $WORK ]]; then echo "test workdirs kept in $WORK" >&2; fi
    [[ -n ${SIGFORGE_CLUSTER_REPORT:-} ]] || rm -f "$REPORT"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM  # run the EXIT trap (stop the daemons) on Ctrl-C too

"$HARNESS" start "$STATE"
export SLURM_CONF=$STATE/slurm.conf SIGFORGE_TEST_CLUSTER=1 SIGFORGE_CLUSTER_REPORT=$REPORT
# Jobs run `snakemake` and `sigforge` from our venv, and their nested srun is STATE/bin's.
export PATH=$BIN:$STATE/bin:$PATH

began=$SECONDS
# Workdirs and snakemake logs of the runs: removed when the tests pass, kept for a look if not.
WORK=$(mktemp -d /tmp/sigforge-cluster-test.XXXXXX)
"$BIN/python" -m pytest tests/cluster -v -p no:cacheprovider --basetemp="$WORK"
rm -rf "$WORK"
echo "cluster test wall time: $((SECONDS - began)) s (pytest, cluster already up)"
if [[ -s $REPORT ]]; then cat "$REPORT"; fi
