# "make soak": the lifecycle storms at the issue's full counts, with the
# sanitized daemon; any sanitizer report fails the run. Other counts from
# the kernel command line: FFS_VM_APPEND="ffs.storm=REBIND,SOFT,KILL".
counts=$(sed -n 's/.*ffs\.storm=\([0-9]*,[0-9]*,[0-9]*\).*/\1/p' /proc/cmdline)
if [ -n "$counts" ]; then
	IFS=, read -r STORM_REBIND STORM_SOFT STORM_KILL <<EOF2
$counts
EOF2
fi
STORM_REBIND=${STORM_REBIND:-1000}
STORM_SOFT=${STORM_SOFT:-100}
STORM_KILL=${STORM_KILL:-100}
STORM_WARMUP=${STORM_WARMUP:-10}
. /guest/scenario-storm.sh
san_check san/reports
