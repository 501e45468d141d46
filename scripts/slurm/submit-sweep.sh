#!/usr/bin/env bash
# Submits a sharded `layerlens-cli sweep-model` to Slurm: an array job of N tasks
# (sweep-model.sbatch, one shard each) and a merge job that starts only when every task succeeded.
#
#   scripts/slurm/submit-sweep.sh FILE OUTDIR N [sweep-model options...]
#
# Writes OUTDIR/shard-0..N-1.jsonl, OUTDIR/merged.jsonl and the jobs' logs OUTDIR/slurm-*.out,
# and prints array_job_id=ID and merge_job_id=ID. OUTDIR must be on a file system that every node
# sees. layerlens-cli: $LAYERLENS_CLI, else this repository's build/release/app/layerlens-cli.
# Extra sbatch options for both jobs (partition, account, time limit...): $LAYERLENS_SBATCH_OPTIONS.
set -euo pipefail

usage() {
  echo "usage: $0 FILE OUTDIR N [sweep-model options...]" >&2
  exit 2
}
[ $# -ge 3 ] || usage
file=$1
outdir=$2
n=$3
shift 3
[[ $n =~ ^[1-9][0-9]*$ ]] || { echo "submit-sweep.sh: N must be a positive whole number, not '$n'" >&2; exit 2; }

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
cli=${LAYERLENS_CLI:-$here/../../build/release/app/layerlens-cli}
[ -x "$cli" ] || { echo "submit-sweep.sh: no layerlens-cli at $cli (set LAYERLENS_CLI)" >&2; exit 2; }
[ -f "$file" ] || { echo "submit-sweep.sh: no file $file" >&2; exit 2; }
# Absolute paths: the jobs may start in another folder, on another node.
cli=$(realpath -- "$cli")
file=$(realpath -- "$file")
mkdir -p -- "$outdir"
outdir=$(realpath -- "$outdir")
read -r -a sbatch_options <<< "${LAYERLENS_SBATCH_OPTIONS:-}"

# --parsable prints "ID" or "ID;CLUSTER".
array_id=$(LAYERLENS_CLI=$cli sbatch --parsable "${sbatch_options[@]}" --array="0-$((n - 1))" \
  --output="$outdir/slurm-%A_%a.out" "$here/sweep-model.sbatch" "$file" "$outdir" "$@")
array_id=${array_id%%;*}

# The shard files by name rather than shard-*.jsonl, so that a leftover shard of an earlier run
# with another N is never merged in. afterok: only when all N tasks exited 0;
# --kill-on-invalid-dep: a failed task cancels the merge instead of leaving it pending forever.
merge=$(printf '%q ' "$cli" merge-shards --force "$outdir/merged.jsonl")
for ((i = 0; i < n; i++)); do merge+=$(printf '%q ' "$outdir/shard-$i.jsonl"); done
merge_id=$(sbatch --parsable "${sbatch_options[@]}" --dependency="afterok:$array_id" --kill-on-invalid-dep=yes \
  --job-name=layerlens-merge --ntasks=1 --cpus-per-task=1 --output="$outdir/slurm-%j-merge.out" --wrap="$merge")
merge_id=${merge_id%%;*}

echo "array_job_id=$array_id"
echo "merge_job_id=$merge_id"
