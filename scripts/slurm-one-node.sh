#!/usr/bin/env bash
# A one-node SLURM on this machine, bound to loopback, for the SLURM integration test
# (tests/test_slurm_cluster.py) and for trying `coupledgas sweep --slurm` by hand.
#
#   bash scripts/slurm-one-node.sh        install (Debian 12, as root), configure, start,
#                                         wait until the node is idle; safe to re-run
#   bash scripts/slurm-one-node.sh stop   stop the daemons this script started
#
# Debian's munge, slurmctld and slurmd (and slurm-client: sbatch, squeue, sinfo) run as
# root daemons. The node is this host (`hostname -s`) at 127.0.0.1 with every core and
# all but 1 GiB of memory, in one default partition `debug`; processes are tracked
# without cgroups (proctrack/linuxproc, task/none), which works in a container.
set -euo pipefail

CONF=/etc/slurm/slurm.conf
CTLD_PID=/run/slurmctld.pid
SLURMD_PID=/run/slurmd.pid
MUNGE_PID=/run/munge/munged.pid

running() {  # running PIDFILE: the daemon named in PIDFILE is alive (not a reused pid)
    [[ -s $1 ]] && [[ $(cat "/proc/$(cat "$1")/comm" 2>/dev/null) == "$(basename "$1" .pid)" ]]
}

stop() {  # stop PIDFILE: end that daemon and wait until it is gone
    if running "$1"; then
        local pid
        pid=$(cat "$1")
        kill "$pid"
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    fi
    rm -f "$1"
}

if [[ ${1:-} == stop ]]; then
    stop "$SLURMD_PID"
    stop "$CTLD_PID"
    stop "$MUNGE_PID"
    echo "slurm-one-node: stopped"
    exit 0
fi
if [[ $# -gt 0 ]]; then
    echo "usage: bash $0 [stop]" >&2
    exit 2
fi

if ! command -v sbatch >/dev/null || ! command -v slurmctld >/dev/null \
        || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends munge slurmctld slurmd slurm-client \
        >/dev/null
fi

# munge: the key is made by the package; the socket directory is not kept across boots
if [[ ! -s /etc/munge/munge.key ]]; then
    mungekey --create --keyfile /etc/munge/munge.key
    chown munge:munge /etc/munge/munge.key
    chmod 600 /etc/munge/munge.key
fi
install -d -o munge -g munge -m 0755 /run/munge
if ! running "$MUNGE_PID"; then
    runuser -u munge -- /usr/sbin/munged --pid-file="$MUNGE_PID"
fi

node=$(hostname -s)
memory=$(( $(awk '/^MemTotal:/ {print int($2 / 1024)}' /proc/meminfo) - 1024 ))
install -d /var/lib/slurm/slurmctld /var/lib/slurm/slurmd /var/log/slurm
config="# written by scripts/slurm-one-node.sh: one node, loopback only
ClusterName=coupledgas
SlurmctldHost=${node}(127.0.0.1)
SlurmUser=root
SlurmctldPort=6817
SlurmdPort=6818
AuthType=auth/munge
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
StateSaveLocation=/var/lib/slurm/slurmctld
SlurmdSpoolDir=/var/lib/slurm/slurmd
SlurmctldPidFile=${CTLD_PID}
SlurmdPidFile=${SLURMD_PID}
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
NodeName=${node} NodeAddr=127.0.0.1 CPUs=$(nproc) RealMemory=${memory} State=UNKNOWN
PartitionName=debug Nodes=${node} Default=YES MaxTime=INFINITE State=UP"
if [[ ! -f $CONF || "$(cat "$CONF")" != "$config" ]]; then
    printf '%s\n' "$config" > "$CONF"
    stop "$SLURMD_PID"  # a changed configuration needs fresh daemons
    stop "$CTLD_PID"
fi

running "$CTLD_PID" || slurmctld
running "$SLURMD_PID" || slurmd

for _ in $(seq 120); do
    state=$(sinfo --noheader --nodes="$node" --format=%t 2>/dev/null || true)
    if [[ $state == idle || $state == mix || $state == alloc ]]; then
        echo "slurm-one-node: node $node is $state (partition debug, 127.0.0.1);" \
             "stop it with: bash $0 stop"
        exit 0
    fi
    if [[ $state == drain* || $state == down* ]]; then
        scontrol update nodename="$node" state=resume 2>/dev/null || true
    fi
    sleep 0.5
done
echo "slurm-one-node: node $node did not become idle (state: ${state:-none});" \
     "see /var/log/slurm/slurmctld.log and slurmd.log" >&2
exit 1
