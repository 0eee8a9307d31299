# vm_lib.sh -- shared by make_base_vm, kimberlize, dekimberlize (sourced,
# bash).  One place defines the QEMU machine and device set, so that a state
# saved by one script resumes in another: only the disk backend, the floppy
# medium, the chardev backends and the display may differ.

VM_MACHINE=pc-i440fx-7.2
VM_RAM=128
VM_APPEND='console=ttyS0 init_on_free=1 consoleblank=0 quiet panic=-1'
VM_QEMU=${KIMBERLEY_QEMU:-qemu-system-x86_64}
SCRIPTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
KIM_PATCH=$SCRIPTS_DIR/kim_patch
KIM_QMP=$SCRIPTS_DIR/kim_qmp
VM_DIR=${KIMBERLEY_VM_DIR:-/var/lib/kimberley/vms}
# The files that make a base (hashed for its identity and the BASE check).
VM_BASE_FILES=(vmlinuz initrd.img disk.img base.mem)

vm_die() { echo "$prog: $*" >&2; exit 1; }
. "$SCRIPTS_DIR/kim_version.sh"

# Contract status line on stdout (flushed: one echo per line).  If the
# launcher is gone (killed: its end of the pipe closed), the line is lost and
# the script goes on to clean up; SIGPIPE is trapped rather than ignored, so
# that the helpers the scripts start get the default again.
vm_status() { printf '%s\n' "$*" 2>/dev/null || true; }
trap : PIPE

vm_now() { echo "${EPOCHREALTIME/[.,]/}"; }             # microseconds
vm_ms() { echo $(( ($(vm_now) - $1) / 1000 )); }         # ms since $1

vm_qemu_version() {
	"$VM_QEMU" --version | sed -n '1s/.*version \([0-9][0-9.]*\).*/\1/p'
}

# vm_name_ok NAME: the contract's VM name rules
vm_name_ok() {
	local n=$1
	[ -n "$n" ] && [ "${#n}" -le 128 ] && [[ $n != */* && $n != .* && $n != *[[:cntrl:]]* ]]
}

# vm_info BASEDIR KEY: value of KEY=... in BASEDIR/base.info
vm_info() { sed -n "s/^$2=//p" "$1/base.info" | head -n 1; }

# vm_identity BASEDIR: sha256 over the base files and base.info (minus its
# identity line).  Equal identity = byte-for-byte the same base.
vm_identity() {
	local d=$1
	{
		(cd "$d" && sha256sum -- "${VM_BASE_FILES[@]}")
		grep -v '^identity=' "$d/base.info"
	} | sha256sum | cut -d' ' -f1
}

# vm_screen_ok WxH: a screen size the guest can show
vm_screen_ok() {
	[[ $1 =~ ^([0-9]{3,4})x([0-9]{3,4})$ ]] &&
		[ "${BASH_REMATCH[1]}" -ge 640 ] && [ "${BASH_REMATCH[1]}" -le 3840 ] &&
		[ "${BASH_REMATCH[2]}" -ge 480 ] && [ "${BASH_REMATCH[2]}" -le 2160 ]
}

# vm_host_screen: WxH of $DISPLAY's screen when one is reachable, else 1024x768
vm_host_screen() {
	local s=''
	[ -z "${DISPLAY:-}" ] || s=$(timeout 5 xdpyinfo 2>/dev/null | sed -n 's/^ *dimensions: *\([0-9]*x[0-9]*\) pixels.*/\1/p' | head -n 1)
	vm_screen_ok "$s" && echo "$s" || echo 1024x768
}

# vm_host_mirror: the Debian mirror in this machine's apt sources
# (deb.debian.org when none is found)
vm_host_mirror() {
	local m
	m=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
		grep -Eo 'https?://[^ ]*/debian/?( |$)' | grep -v security | head -n 1 | tr -d ' ')
	echo "${m:-http://deb.debian.org/debian}"
}

# vm_quote PATH: PATH in single quotes for QEMU's exec: (run by sh -c).
vm_quote() {
	case $1 in *"'"*) vm_die "path '$1' contains a single quote";; esac
	printf "'%s'" "$1"
}

# vm_qemu_args BASEDIR ACCEL DISK DISKFMT FLOPPY DISPLAY WORKDIR [BACKING]
#   sets QEMU_ARGS.  FLOPPY may be empty (empty drive).  BACKING: the raw
#   disk a qcow2 DISK backs onto, opened read-only whatever DISK's header
#   says (a session's patch overlay over the base).  The console goes to
#   WORKDIR/console.log, the agent to the FIFOs WORKDIR/agent.{in,out}, QMP
#   to WORKDIR/qmp.sock.  Always -S -incoming defer when resuming (caller
#   adds), so nothing runs before the state is loaded.
vm_qemu_args() {
	local base=$1 accel=$2 disk=$3 fmt=$4 floppy=$5 display=$6 work=$7 backing=${8:-}
	local fd="if=floppy,index=0" hd="file=$disk,if=virtio,format=$fmt,cache=unsafe" stick=()
	# a floppy image larger than a 2.88 MB disk is the user's "stick": a
	# USB drive plugged in after resume (vm_floppy_attach), the drive empty
	VM_STICK=''
	if [ -n "$floppy" ] && [ "$(stat -c %s -- "$floppy")" -gt 2949120 ]; then
		stick=(-drive "if=none,id=stick,file=$floppy,format=raw")
		VM_STICK=stick
	elif [ -n "$floppy" ]; then
		fd="$fd,file=$floppy,format=raw"
	fi
	[ -z "$backing" ] || hd="$hd,backing.driver=raw,backing.read-only=on,backing.file.driver=file,backing.file.filename=$backing,backing.file.read-only=on"
	local scr xres yres
	scr=$(vm_info "$base" screen)
	vm_screen_ok "$scr" || scr=1024x768     # bases made before screen=
	xres=${scr%x*} yres=${scr#*x}
	QEMU_ARGS=(-M "$VM_MACHINE" -accel "$accel" -m "$(vm_info "$base" ram)"
		-nodefaults -no-user-config
		-vga none -device "VGA,edid=on,xres=$xres,yres=$yres"
		-drive if=none,id=cd0,media=cdrom,readonly=on -device ide-cd,drive=cd0,bus=ide.1,id=cdrom
		-device qemu-xhci,id=usb "${stick[@]}"
		-kernel "$base/vmlinuz" -initrd "$base/initrd.img"
		-append "$(vm_info "$base" append)"
		-drive "$hd"
		-drive "$fd"
		-serial "file:$work/console.log" -serial "pipe:$work/agent"
		-qmp "unix:$work/qmp.sock,server=on,wait=off"
		-display "$display")
}

# vm_floppy_attach BASEDIR QMP_SOCKET: after resume (cont), make the user's
# floppy available to the session: a large image (VM_STICK) is plugged in
# as a USB drive; a desktop guest's agent mounts it at ~/Floppy (busybox
# guests' apps mount the floppy themselves).  Sets VM_FLOPPY_STATE to the
# agent's answer (floppy-mounted ...); fails when the agent does not answer.
vm_floppy_attach() {
	local dev=fd0
	VM_FLOPPY_STATE=''
	if [ -n "$VM_STICK" ]; then
		"$KIM_QMP" "$2" usb-stick "$VM_STICK" || return 1
		dev=sda
	fi
	[ "$(vm_info "$1" type)" = desktop ] || return 0
	vm_agent_send mount-floppy "$dev"
	vm_agent_expect floppy- 30 || return 1
	VM_FLOPPY_STATE=$AGENT_LINE
	[ "${AGENT_LINE%% *}" = floppy-mounted ]
}

# Agent channel (the guest's /sbin/kim-agent on ttyS1).
# vm_agent_open WORKDIR: make the FIFOs and open them (read-write, so that
# opening never blocks whatever QEMU is doing).  Call before starting QEMU.
vm_agent_open() {
	mkfifo -m 600 "$1/agent.in" "$1/agent.out"
	exec {AGENT_IN}<>"$1/agent.in" {AGENT_OUT}<>"$1/agent.out"
}

vm_agent_close() {
	[ -z "${AGENT_IN:-}" ] || exec {AGENT_IN}>&-
	[ -z "${AGENT_OUT:-}" ] || exec {AGENT_OUT}<&-
	AGENT_IN='' AGENT_OUT=''
}

vm_agent_send() { printf '%s\n' "$*" >&"$AGENT_IN"; }

# vm_agent_expect WORD SECONDS: read agent lines until one starts with WORD;
# sets AGENT_LINE.  Lines "log ..." are copied to stderr.  Fails on timeout
# or when QEMU ($QEMU_PID) died.
vm_agent_expect() {
	local want=$1 limit=$(( $(vm_now) + $2 * 1000000 )) left line
	while :; do
		left=$(( (limit - $(vm_now)) / 1000000 ))
		[ "$left" -gt 0 ] || { echo "$prog: guest agent: no '$want' within $2 s" >&2; return 1; }
		if [ -n "${QEMU_PID:-}" ] && ! kill -0 "$QEMU_PID" 2>/dev/null; then
			echo "$prog: QEMU exited (see its log)" >&2; return 1
		fi
		if IFS= read -r -t 1 -u "$AGENT_OUT" line; then
			line=${line%$'\r'}
			case $line in
			"$want"*) AGENT_LINE=$line; return 0;;
			"log "*) echo "guest: ${line#log }" >&2;;
			esac
		fi
	done
}

# vm_disk_full DIR: true when DIR's file system is (as good as) full: less
# than VM_DISK_SLACK KiB or no inode left.  Asked after a write failed, to
# tell a full display disk (DISPLAY_DISK_FULL) from other failures.
VM_DISK_SLACK=1024
vm_disk_full() {
	local a
	a=$(stat -f -c '%a %S %d' -- "$1" 2>/dev/null) || return 1
	set -- $a
	[ $(( $1 * $2 / 1024 )) -lt "$VM_DISK_SLACK" ] || [ "$3" = 0 ]
}

# vm_stop PID [GRACE]: end our child PID: SIGTERM, up to GRACE seconds
# (default $VM_STOP_GRACE) to go, then SIGKILL; reaps it.  Every helper a
# session stops goes through here, so that one that ignores SIGTERM (x11vnc
# blocked in a futex with a viewer connected, a wedged QEMU) costs the end
# of the session GRACE seconds, never more.  Its exit status: VM_STOP_STATUS.
VM_STOP_GRACE=${KIM_STOP_GRACE:-3}
vm_stop() {
	local pid=$1 grace=${2:-$VM_STOP_GRACE} i
	[ -n "$pid" ] || return 0
	if kill -TERM "$pid" 2>/dev/null; then
		for ((i = 0; i < grace * 20; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.05
		done
		if kill -0 "$pid" 2>/dev/null; then
			echo "${prog:-vm_lib}: process $pid ignored SIGTERM for $grace s: killed" >&2
			kill -KILL "$pid" 2>/dev/null || true
		fi
	fi
	VM_STOP_STATUS=0
	wait "$pid" 2>/dev/null || VM_STOP_STATUS=$?
	return 0
}

# vm_wait_pid PID SECONDS: wait for our child PID to exit; stop it if late.
vm_wait_pid() {
	local pid=$1 i
	for ((i = 0; i < $2 * 20; i++)); do
		kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
		sleep 0.05
	done
	vm_stop "$pid" 1
	return 1
}
