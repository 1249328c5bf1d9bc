#!/usr/bin/env bash
# A one-node Slurm cluster in a folder of its own, for the Slurm integration tests.
#
#   scripts/slurm-cluster.sh start DIR   writes DIR/slurm.conf, starts munged, slurmctld and slurmd
#                                        (all as root, all state under DIR) and waits until the
#                                        node is idle; prints `export SLURM_CONF=DIR/slurm.conf`
#   scripts/slurm-cluster.sh stop DIR    stops the three daemons and cancels what is left
#   scripts/slurm-cluster.sh check       exit 0 when the Slurm and munge programs are installed
#
# Settings: ProctrackType=proctrack/linuxproc, TaskPlugin=task/none, no cgroup.conf, no accounting
# database (finished jobs stay visible to `scontrol show job` for MinJobAge seconds). Ports come from
# SLURM_TEST_PORT (default 16817 for slurmctld, the next one for slurmd). SLURM_TEST_CPUS (default
# the machine's) is the node's CPU count, which may exceed the real one so that several small jobs
# run at once.
# Needs root: slurmd starts jobs as their owner. Debian packages: slurmctld slurmd slurm-client munge.
set -euo pipefail

programs=(munged slurmctld slurmd sbatch squeue scontrol scancel sinfo)

check() {
  local missing=()
  for p in "${programs[@]}"; do command -v "$p" >/dev/null 2>&1 || [ -x "/usr/sbin/$p" ] || missing+=("$p"); done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "missing: ${missing[*]} (apt-get install slurmctld slurmd slurm-client munge)" >&2
    return 1
  fi
  [ "$(id -u)" -eq 0 ] || { echo "slurmd must run as root" >&2; return 1; }
}

# Runs a daemon with only stdin, stdout and stderr open (/dev/null and DIR/log/start.log), so no
# descriptor inherited from this script's caller stays open in it: a caller that watches one for the
# script's end (Foundation's Process does) would otherwise wait for the daemon to exit.
detached() {
  local log=$1; shift
  (
    me=$BASHPID
    for fd in $(ls "/proc/$me/fd"); do
      if [ "$fd" -gt 2 ]; then eval "exec $fd>&-"; fi
    done
    exec "$@" </dev/null >>"$log" 2>&1
  )
}

start() {
  local dir=$1 port=${SLURM_TEST_PORT:-16817} host cpus mem
  check
  mkdir -p "$dir"/{munge,state,slurmd,log}
  dir=$(cd "$dir" && pwd)
  chmod 0700 "$dir/munge"
  host=$(hostname -s)
  cpus=${SLURM_TEST_CPUS:-$(nproc)}
  mem=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 512 ))
  dd if=/dev/urandom of="$dir/munge/munge.key" bs=128 count=1 status=none
  chmod 0400 "$dir/munge/munge.key"
  detached "$dir/log/start.log" /usr/sbin/munged --force --socket="$dir/munge/munge.socket" \
    --key-file="$dir/munge/munge.key" --pid-file="$dir/munge/munged.pid" --log-file="$dir/log/munged.log" \
    --seed-file="$dir/munge/munged.seed"
  cat > "$dir/slurm.conf" <<EOF
ClusterName=ptunetest
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/slurmd
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
JobAcctGatherType=jobacct_gather/linux
JobAcctGatherFrequency=2
JobAcctGatherParams=OverMemoryKill
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MinJobAge=3600
KillWait=10
OverTimeLimit=0
InactiveLimit=0
ReturnToService=2
SlurmdParameters=config_overrides
SlurmctldTimeout=30
SlurmdTimeout=60
SchedulerParameters=sched_interval=2
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=ptune Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
  export SLURM_CONF="$dir/slurm.conf"
  detached "$dir/log/start.log" /usr/sbin/slurmctld -c -f "$SLURM_CONF"
  detached "$dir/log/start.log" /usr/sbin/slurmd -f "$SLURM_CONF"
  for _ in $(seq 1 60); do
    if sinfo -h -o %t 2>/dev/null | grep -qE '^idle'; then
      echo "export SLURM_CONF=$SLURM_CONF"
      return 0
    fi
    sleep 0.5
  done
  echo "the Slurm node did not become idle within 30 s; see $dir/log/" >&2
  sinfo >&2 || true
  return 1
}

stop() {
  local dir=$1
  export SLURM_CONF="$dir/slurm.conf"
  [ -f "$SLURM_CONF" ] && scancel --full --quiet --user=root 2>/dev/null || true
  for pidfile in "$dir/slurmd.pid" "$dir/slurmctld.pid" "$dir/munge/munged.pid"; do
    [ -f "$pidfile" ] || continue
    local pid; pid=$(cat "$pidfile")
    kill "$pid" 2>/dev/null || continue
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
}

case "${1:-}" in
  start) start "${2:?usage: $0 start DIR}" ;;
  stop) stop "${2:?usage: $0 stop DIR}" ;;
  check) check ;;
  *) echo "usage: $0 start DIR | stop DIR | check" >&2; exit 2 ;;
esac
