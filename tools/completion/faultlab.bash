# bash completion for faultlab: verbs, each verb's options and their values, scenario files,
# run directories, and the run ids and node names of live runs (from `faultlab ps`).
# Installed by `make install` to $(PREFIX)/share/bash-completion/completions/faultlab;
# or source it: `. tools/completion/faultlab.bash`.

# Live runs as "ID RUN_DIR" lines (`faultlab ps`; `--all` adds dead ones for clean).
_faultlab_runs()
{
	"$1" ps $2 2>/dev/null | awk 'NR > 1 && $1 != "no" { print $1, $NF }'
}

# Node names of the run whose id or directory is $2: the folders under RUN_DIR/nodes.
_faultlab_nodes()
{
	local id dir run=$2
	if [[ -d $run/nodes ]]; then
		dir=$run
	else
		while read -r id dir; do
			[[ $id == "$run" ]] && break
			dir=
		done < <(_faultlab_runs "$1")
	fi
	[[ -n $dir && -d $dir/nodes ]] || return 0
	local n
	for n in "$dir"/nodes/*/; do
		n=${n%/}
		printf '%s\n' "${n##*/}"
	done
}

_faultlab_options()
{
	case $1 in
	run) echo --seed --runtime --out --keep --quiet --share --telemetry --help ;;
	validate) echo --help ;;
	plan) echo --seed --help ;;
	replay) echo --pause-before --keep-running --only --out --quiet --share --help ;;
	analyze) echo --logs --format --out --no-html --no-traces --quiet --help ;;
	suite) echo --junit --reruns --history --summary --seed --runtime --out --help ;;
	ps) echo --all --help ;;
	shell | inject) echo --help ;;
	clean) echo --run --all --help ;;
	doctor) echo --json --help ;;
	esac
}

_faultlab()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	local fl=${COMP_WORDS[0]} verb=${COMP_WORDS[1]}
	local verbs="run validate plan replay analyze suite ps shell inject clean image doctor help version"
	COMPREPLY=()

	if ((COMP_CWORD == 1)); then
		mapfile -t COMPREPLY < <(compgen -W "$verbs --help --version" -- "$cur")
		return
	fi
	case $prev in
	--runtime)
		mapfile -t COMPREPLY < <(compgen -W "netns docker" -- "$cur")
		return ;;
	--format)
		mapfile -t COMPREPLY < <(compgen -W "auto nwaku nwaku-json go-waku go-waku-json labnode status-go" -- "$cur")
		return ;;
	--seed | --pause-before | --only)
		return ;;
	--out | --logs)
		mapfile -t COMPREPLY < <(compgen -d -- "$cur")
		return ;;
	--junit)
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return ;;
	--run)
		mapfile -t COMPREPLY < <(compgen -W "$(_faultlab_runs "$fl" --all | cut -d' ' -f1)" -- "$cur")
		return ;;
	esac
	if [[ $cur == -* ]]; then
		mapfile -t COMPREPLY < <(compgen -W "$(_faultlab_options "$verb")" -- "$cur")
		return
	fi
	# Positional words: count those before the cursor that are not options or their values.
	local i pos=0 w
	for ((i = 2; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		case $w in
		--seed | --runtime | --out | --logs | --format | --junit | --run | --pause-before | --only) ((i++)) ;;
		-*) ;;
		*) ((pos++)) ;;
		esac
	done
	case $verb in
	run | validate | plan | suite)
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -d -- "$cur"; compgen -f -X '!*.y*ml' -- "$cur") ;;
	replay | analyze)
		compopt -o filenames 2>/dev/null
		((pos == 0)) && mapfile -t COMPREPLY < <(compgen -d -- "$cur") ;;
	image)
		if ((pos == 0)); then
			mapfile -t COMPREPLY < <(compgen -W "build ls rm" -- "$cur")
		elif [[ ${COMP_WORDS[2]} == build || ${COMP_WORDS[2]} == rm ]]; then
			mapfile -t COMPREPLY < <(compgen -W "labnode" -- "$cur")
		fi ;;
	shell | inject)
		if ((pos == 0)); then
			mapfile -t COMPREPLY < <(compgen -W "$(_faultlab_runs "$fl" | cut -d' ' -f1)" -- "$cur")
		elif ((pos == 1)); then
			mapfile -t COMPREPLY < <(compgen -W "$(_faultlab_nodes "$fl" "${COMP_WORDS[2]}")" -- "$cur")
		fi ;;
	esac
}

complete -F _faultlab faultlab build/faultlab ./build/faultlab
