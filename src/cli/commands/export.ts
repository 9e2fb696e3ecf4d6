// `procodile export FORMAT`: writes what the Procfile and options describe for systemd,
// Kubernetes, Compose or Nomad, to stdout or into --out DIR, and says on stderr what could not
// be carried over (README: "When one machine is not enough").
import { existsSync } from 'node:fs';
import { readEnvFile } from '../../config/env-file.js';
import { ProcodileError } from '../../errors.js';
import { exportCompose } from '../../export/compose.js';
import { buildExportModel, type EnvFileRef, type ExportResult } from '../../export/export-model.js';
import { exportKubernetes } from '../../export/kubernetes.js';
import { exportNomad } from '../../export/nomad.js';
import { exportSystemd } from '../../export/systemd.js';
import { ExportWarnings } from '../../export/warnings.js';
import { writeExportFiles } from '../../export/write-files.js';
import { defineCommand, type CommandContext } from '../define-command.js';
import { envFilePath } from '../supervisor-options.js';

export const EXPORT_FORMATS = ['systemd', 'kubernetes', 'compose', 'nomad'] as const;
type ExportFormat = (typeof EXPORT_FORMATS)[number];
type ExportContext = CommandContext<typeof OPTIONS>;

/** An empty value (`--image=`) counts as not given. */
function given(value: string | undefined): string | undefined {
  return value === '' ? undefined : value;
}

function chooseFormat(ctx: ExportContext): ExportFormat {
  const words = ctx.args.extraArgs;
  const format = EXPORT_FORMATS.find((name) => name === words[0]);
  if (words.length !== 1 || format === undefined) {
    const given = words.length === 0 ? 'no format' : `'${words.join(' ')}'`;
    throw new ProcodileError('INVALID_ARGUMENT', `procodile export needs one format, got ${given}. Use one of: ${EXPORT_FORMATS.join(', ')}.`);
  }
  return format;
}

function envFile(ctx: ExportContext): EnvFileRef | undefined {
  const absolute = envFilePath(ctx);
  if (absolute === undefined) return undefined;
  const name = given(ctx.options.envFile) ?? '.env';
  // Read only to learn which variables it sets; its values are never written into an export.
  if (!existsSync(absolute)) return { given: name, absolute };
  const read = readEnvFile(absolute);
  if (!read.ok) throw read.error;
  return { given: name, absolute, keys: Object.keys(read.value) };
}

function generate(ctx: ExportContext, format: ExportFormat, warnings: ExportWarnings): ExportResult {
  const model = buildExportModel(ctx.app, { envFile: envFile(ctx) }, warnings);
  const image = given(ctx.options.image);
  const namespace = given(ctx.options.namespace);
  switch (format) {
    case 'systemd':
      return exportSystemd(model, { userUnits: ctx.options.userUnits }, warnings);
    case 'kubernetes':
      if (image === undefined) {
        throw new ProcodileError('INVALID_ARGUMENT', 'procodile export kubernetes needs --image IMAGE: the container image that holds the application.');
      }
      return exportKubernetes(model, { image, namespace }, warnings);
    case 'compose':
      return exportCompose(model, { image }, warnings);
    case 'nomad':
      return exportNomad(model, { namespace }, warnings);
  }
}

function runExport(ctx: ExportContext): number {
  const { term } = ctx;
  const format = chooseFormat(ctx);
  const warnings = new ExportWarnings();
  const result = generate(ctx, format, warnings);
  const outDir = given(ctx.options.out);
  if (outDir === undefined) {
    // Kubernetes reads several documents from one stream; the others are shown file by file.
    const separator = format === 'kubernetes' ? '---\n' : '';
    const many = result.files.length > 1 && format !== 'kubernetes';
    term.out(result.files.map((file) => (many ? `# ==> ${file.path} <==\n${file.content}` : file.content)).join(separator).trimEnd());
  } else {
    for (const path of writeExportFiles(outDir, result.files, ctx.options.force)) term.out(`Wrote ${path}`);
  }
  for (const warning of warnings.list()) term.err(term.errColor.yellow(`Warning: ${warning.key}: ${warning.message}`));
  for (const note of result.notes) term.err(note);
  return 0;
}

const OPTIONS = [
  { long: 'out', short: 'o', value: 'required', placeholder: 'DIR', help: 'Write one file per unit or manifest into DIR (default: print them)' },
  { long: 'image', value: 'required', placeholder: 'IMAGE', help: 'Container image (required for kubernetes; compose builds the root without it)' },
  { long: 'namespace', value: 'required', placeholder: 'NS', help: 'Kubernetes or Nomad namespace' },
  { long: 'user-units', value: 'none', help: 'systemd: units for systemctl --user' },
  { long: 'env-file', value: 'optional', placeholder: 'FILE', defaultValue: '.env', help: 'The env file the processes read, relative to the root (default: .env)' },
  { long: 'force', value: 'none', help: 'Replace files in DIR that procodile export did not write' },
] as const;

export const exportCommand = defineCommand({
  name: 'export',
  description: 'Write units, manifests or jobs that run this application under systemd, Kubernetes, Compose or Nomad',
  note: 'Give the format after `export`: systemd, kubernetes, compose or nomad.',
  options: OPTIONS,
  // It only reads the configuration: `user:` is something it maps, not whom to run as, and an
  // application that never ran gets no pid directory from it.
  behaviour: { createsPidDirectory: false, runsAsConfiguredUser: false },
  run: runExport,
});
