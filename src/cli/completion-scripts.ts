// The bash, zsh and fish completion scripts, written from the command definitions so that a new
// command or option is completed the day it is added. Process names come from the user's
// Procfile at completion time, through `procodile completion --processes`.
import { GLOBAL_OPTIONS } from './args.js';
import type { Command } from './define-command.js';
import type { OptionSpec } from './option-spec.js';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

/** What the word after an option is: a process list, a directory, a file, a choice, or free text. */
type ValueKind = { kind: 'processes' } | { kind: 'directory' } | { kind: 'file' } | { kind: 'choice'; choices: readonly string[] } | { kind: 'text' };

function valueKind(spec: OptionSpec): ValueKind | undefined {
  if (spec.value === 'none') return undefined;
  if (spec.long === 'processes' || spec.long === 'process') return { kind: 'processes' };
  if (spec.value === 'required' && spec.choices !== undefined) return { kind: 'choice', choices: spec.choices };
  if (spec.long === 'root') return { kind: 'directory' };
  if (spec.placeholder === 'PATH' || spec.placeholder === 'FILE') return { kind: 'file' };
  return { kind: 'text' };
}

function flags(spec: OptionSpec): string[] {
  return spec.short === undefined ? [`--${spec.long}`] : [`-${spec.short}`, `--${spec.long}`];
}

const allFlags = (specs: readonly OptionSpec[]): string => specs.flatMap(flags).join(' ');
const quote = (text: string): string => `'${text.replaceAll("'", `'\\''`)}'`;
const fishQuote = (text: string): string => `'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
const sorted = (commands: readonly Command[]): Command[] => [...commands].sort((a, b) => a.name.localeCompare(b.name));
const SHELL_CHOICES = SHELLS.join(' ');
/** Commands whose words are a command line of their own (exec, run): files, not our options. */
const commandLineCommands = (commands: readonly Command[]): string[] =>
  sorted(commands)
    .filter((c) => c.extraWords === 'command-line')
    .map((c) => c.name);
// The words that choose the application: they are passed on when asking for process names.
const APP_FLAGS = ['-r', '--root', '--procfile'];

/** `case` arms (bash and zsh share the syntax) completing the word after a value-taking option. */
function valueArms(commands: readonly Command[], complete: (value: ValueKind) => string): string[] {
  const arms: string[] = [];
  for (const spec of GLOBAL_OPTIONS) {
    const value = valueKind(spec);
    if (value !== undefined) arms.push(`      *:${flags(spec).join('|*:')}) ${complete(value)}; return ;;`);
  }
  for (const command of commands) {
    for (const spec of command.options) {
      const value = valueKind(spec);
      if (value === undefined) continue;
      const patterns = flags(spec).map((flag) => `${command.name}:${flag}`);
      arms.push(`      ${patterns.join('|')}) ${complete(value)}; return ;;`);
    }
  }
  return arms;
}

/** bash and zsh find the command word and the app-choosing options the same way. */
const SCAN_WORDS = (first: string, last: string): string => `  local cmd="" i word
  local -a app=()
  for ((i = ${first}; i < ${last}; i++)); do
    word="\${words[i]}"
    case "$word" in
      ${APP_FLAGS.join('|')}) app+=("$word" "\${words[i+1]}"); ((i++)) ;;
      --root=*|--procfile=*|-r?*) app+=("$word") ;;
      -*) ;;
      *) [[ -z $cmd ]] && cmd="$word" ;;
    esac
  done`;

export function bashScript(commands: readonly Command[]): string {
  const complete = (value: ValueKind): string => {
    switch (value.kind) {
      case 'processes':
        return '_procodile_processes "$cur" "${app[@]}"';
      case 'directory':
        return 'COMPREPLY=($(compgen -d -- "$cur"))';
      case 'file':
        return 'COMPREPLY=($(compgen -f -- "$cur"))';
      case 'choice':
        return `COMPREPLY=($(compgen -W ${quote(value.choices.join(' '))} -- "$cur"))`;
      case 'text':
        return 'COMPREPLY=()';
    }
  };
  return `# procodile completion for bash. Load it with: source <(procodile completion bash)
_procodile_processes() {
  local cur="$1" prefix=""
  shift
  [[ $cur == *,* ]] && prefix="\${cur%,*},"
  local names
  names="$(command procodile "$@" completion --processes 2>/dev/null)"
  COMPREPLY=($(compgen -P "$prefix" -W "$names" -- "\${cur##*,}"))
}

_procodile() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}"
  local -a words=("\${COMP_WORDS[@]}")
${SCAN_WORDS('1', 'COMP_CWORD')}
  COMPREPLY=()
  case "$cmd" in ${commandLineCommands(commands).join('|')}) [[ $cur != -* ]] && return ;; esac
  case "$cmd:$prev" in
${valueArms(commands, complete).join('\n')}
  esac
  if [[ $cur == -* ]]; then
    local options=${quote(allFlags(GLOBAL_OPTIONS))}
    case "$cmd" in
${sorted(commands)
  .filter((c) => c.options.length > 0)
  .map((c) => `      ${c.name}) options+=" ${allFlags(c.options)}" ;;`)
  .join('\n')}
    esac
    COMPREPLY=($(compgen -W "$options" -- "$cur"))
  elif [[ -z $cmd ]]; then
    COMPREPLY=($(compgen -W ${quote(sorted(commands).map((c) => c.name).join(' '))} -- "$cur"))
  elif [[ $cmd == completion ]]; then
    COMPREPLY=($(compgen -W ${quote(SHELL_CHOICES)} -- "$cur"))
  fi
}
complete -o default -F _procodile procodile
`;
}

export function zshScript(commands: readonly Command[]): string {
  const complete = (value: ValueKind): string => {
    switch (value.kind) {
      case 'processes':
        return '_procodile_processes "${app[@]}"';
      case 'directory':
        return '_files -/';
      case 'file':
        return '_files';
      case 'choice':
        return `compadd -- ${value.choices.join(' ')}`;
      case 'text':
        return ':';
    }
  };
  const described = sorted(commands).map((c) => quote(`${c.name}:${c.description}`));
  return `#compdef procodile
# procodile completion for zsh. Load it with: source <(procodile completion zsh)
# (after compinit), or save it as _procodile in a directory of your fpath.
_procodile_processes() {
  local -a names
  names=(\${(f)"$(command procodile "$@" completion --processes 2>/dev/null)"})
  compset -P '*,'
  compadd -- $names
}

_procodile() {
  local cur="\${words[CURRENT]}" prev="\${words[CURRENT-1]}"
${SCAN_WORDS('2', 'CURRENT')}
  case "$cmd" in ${commandLineCommands(commands).join('|')}) [[ $cur != -* ]] && { _files; return } ;; esac
  case "$cmd:$prev" in
${valueArms(commands, complete).join('\n')}
  esac
  if [[ $cur == -* ]]; then
    local -a options
    options=(${allFlags(GLOBAL_OPTIONS)})
    case "$cmd" in
${sorted(commands)
  .filter((c) => c.options.length > 0)
  .map((c) => `      ${c.name}) options+=(${allFlags(c.options)}) ;;`)
  .join('\n')}
    esac
    compadd -- $options
  elif [[ -z $cmd ]]; then
    local -a commands
    commands=(${described.join(' ')})
    _describe command commands
  elif [[ $cmd == completion ]]; then
    compadd -- ${SHELL_CHOICES}
  fi
}

if [[ $funcstack[1] == _procodile ]]; then
  _procodile "$@"
else
  compdef _procodile procodile
fi
`;
}

export function fishScript(commands: readonly Command[]): string {
  const complete = (value: ValueKind | undefined): string => {
    if (value === undefined) return '';
    switch (value.kind) {
      case 'processes':
        return " -x -a '(__procodile_processes)'";
      case 'directory':
        return " -x -a '(__fish_complete_directories)'";
      case 'file':
        return ' -r -F';
      case 'choice':
        return ` -x -a ${fishQuote(value.choices.join(' '))}`;
      case 'text':
        return ' -x';
    }
  };
  const option = (spec: OptionSpec, condition: string): string =>
    `complete -c procodile${condition}${spec.short === undefined ? '' : ` -s ${spec.short}`} -l ${spec.long}` +
    `${complete(valueKind(spec))} -d ${fishQuote(spec.help)}`;
  return `# procodile completion for fish. Load it with: procodile completion fish | source
function __procodile_command
    set -l words (commandline -opc)
    set -e words[1]
    set -l skip 0
    for word in $words
        if test $skip = 1
            set skip 0
            continue
        end
        switch $word
            case ${APP_FLAGS.join(' ')}
                set skip 1
            case '-*'
            case '*'
                echo $word
                return
        end
    end
end

function __procodile_app
    set -l words (commandline -opc)
    set -e words[1]
    for i in (seq (count $words))
        switch $words[$i]
            case ${APP_FLAGS.join(' ')}
                set -l next (math $i + 1)
                test $next -le (count $words); and echo $words[$i]; and echo $words[$next]
            case '--root=*' '--procfile=*' '-r?*'
                echo $words[$i]
        end
    end
end

function __procodile_needs_command
    set -l command (__procodile_command)
    test -z "$command"
end

function __procodile_using
    set -l command (__procodile_command)
    test -n "$command"; and contains -- $command $argv
end

function __procodile_processes
    set -l token (commandline -ct)
    set -l prefix (string replace -r '[^,]*$' '' -- "$token")
    for name in (command procodile (__procodile_app) completion --processes 2>/dev/null)
        echo "$prefix$name"
    end
end

complete -c procodile -f
${sorted(commands)
  .map((c) => `complete -c procodile -n __procodile_needs_command -a ${c.name} -d ${fishQuote(c.description)}`)
  .join('\n')}
${GLOBAL_OPTIONS.map((spec) => option(spec, '')).join('\n')}
${commands.flatMap((c) => c.options.map((spec) => option(spec, ` -n '__procodile_using ${c.name}'`))).join('\n')}
complete -c procodile -n '__procodile_using completion' -a ${fishQuote(SHELL_CHOICES)}
complete -c procodile -n '__procodile_using ${commandLineCommands(commands).join(' ')}' -F
`;
}

/** `commands`: every command's definition (see loadAllCommands). */
export function completionScript(shell: Shell, commands: readonly Command[]): string {
  switch (shell) {
    case 'bash':
      return bashScript(commands);
    case 'zsh':
      return zshScript(commands);
    case 'fish':
      return fishScript(commands);
  }
}
