#!/usr/bin/env bash
# A single-node SLURM for the cluster test: Debian's slurmctld, slurmd and
# munge, configured under one scratch folder and started in the
# background, with task/affinity so that each task is pinned to the CPUs it
# asked for. Run as root.
#
#   tools/slurm_single_node.sh start DIR   installs (apt) if needed, starts,
#                                          waits for the node; prints
#                                          `export SLURM_CONF=...`
#   tools/slurm_single_node.sh stop DIR    stops what start started (by the
#                                          PIDs it recorded)
set -euo pipefail
action=${1:?start or stop}
dir=$(realpath -m "${2:?a scratch folder}")

stop() {
  for name in slurmd slurmctld munged; do
    if [ -f "$dir/$name.pid" ]; then
      kill "$(cat "$dir/$name.pid")" 2>/dev/null || true
      rm -f "$dir/$name.pid"
    fi
  done
}

if [ "$action" = stop ]; then
  stop
  exit 0
fi

if ! command -v slurmctld >/dev/null 2>&1 || ! command -v munged >/dev/null 2>&1; then
  # The packages would start their daemons at install time with a
  # configuration that does not exist yet.
  made_policy=
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    made_policy=1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    slurmctld slurmd slurm-client munge >/dev/null
  [ -n "$made_policy" ] && rm -f /usr/sbin/policy-rc.d
fi

mkdir -p "$dir/state" "$dir/spool" "$dir/log"
# munge: a key, its run folder, the daemon in the foreground as `munge`.
if [ ! -s /etc/munge/munge.key ]; then
  setpriv --reuid=munge --regid=munge --init-groups mungekey -c -k /etc/munge/munge.key
fi
mkdir -p /run/munge && chown munge:munge /run/munge
setpriv --reuid=munge --regid=munge --init-groups /usr/sbin/munged -F \
  > "$dir/log/munged.log" 2>&1 &
echo $! > "$dir/munged.pid"
for _ in $(seq 50); do munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break; sleep 0.1; done

host=$(hostname -s)
cpus=$(nproc --all)
mem=$(awk '/MemAvailable/ { printf "%d", $2 / 1024 * 0.9 }' /proc/meminfo)
cat > "$dir/slurm.conf" <<EOF
ClusterName=emotui-ci
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/affinity
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$dir/log/jobcomp.txt
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/state/slurmctld.pid
SlurmdPidFile=$dir/state/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF="$dir/slurm.conf"
slurmctld -D -f "$SLURM_CONF" > "$dir/log/slurmctld.out" 2>&1 &
echo $! > "$dir/slurmctld.pid"
slurmd -D -f "$SLURM_CONF" > "$dir/log/slurmd.out" 2>&1 &
echo $! > "$dir/slurmd.pid"
for _ in $(seq 100); do
  if sinfo -h -o '%T' 2>/dev/null | grep -qx idle; then
    echo "export SLURM_CONF=$SLURM_CONF"
    exit 0
  fi
  sleep 0.2
done
echo "the SLURM node never became idle; logs in $dir/log" >&2
sinfo >&2 || true
stop
exit 1
