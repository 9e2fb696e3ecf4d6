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
import type { CommandContext, CommandHandler } from '../context.js';
import { envFilePath } from '../supervisor-options.js';

export const EXPORT_FORMATS = ['systemd', 'kubernetes', 'compose', 'nomad'] as const;
type ExportFormat = (typeof EXPORT_FORMATS)[number];

function option(ctx: CommandContext, name: string): string | undefined {
  const value = ctx.args.options[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function chooseFormat(ctx: CommandContext): ExportFormat {
  const words = ctx.args.extraArgs;
  const format = EXPORT_FORMATS.find((name) => name === words[0]);
  if (words.length !== 1 || format === undefined) {
    const given = words.length === 0 ? 'no format' : `'${words.join(' ')}'`;
    throw new ProcodileError('INVALID_ARGUMENT', `procodile export needs one format, got ${given}. Use one of: ${EXPORT_FORMATS.join(', ')}.`);
  }
  return format;
}

function envFile(ctx: CommandContext): EnvFileRef | undefined {
  const absolute = envFilePath(ctx);
  if (absolute === undefined) return undefined;
  const value = ctx.args.options['env-file'];
  const given = typeof value === 'string' && value !== '' ? value : '.env';
  // Read only to learn which variables it sets; its values are never written into an export.
  if (!existsSync(absolute)) return { given, absolute };
  const read = readEnvFile(absolute);
  if (!read.ok) throw read.error;
  return { given, absolute, keys: Object.keys(read.value) };
}

function generate(ctx: CommandContext, format: ExportFormat, warnings: ExportWarnings): ExportResult {
  const model = buildExportModel(ctx.app, { envFile: envFile(ctx) }, warnings);
  const image = option(ctx, 'image');
  const namespace = option(ctx, 'namespace');
  switch (format) {
    case 'systemd':
      return exportSystemd(model, { userUnits: ctx.args.options['user-units'] === true }, warnings);
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

export const runExport: CommandHandler = (ctx) => {
  const { term } = ctx;
  const format = chooseFormat(ctx);
  const warnings = new ExportWarnings();
  const result = generate(ctx, format, warnings);
  const outDir = option(ctx, 'out');
  if (outDir === undefined) {
    // Kubernetes reads several documents from one stream; the others are shown file by file.
    const separator = format === 'kubernetes' ? '---\n' : '';
    const many = result.files.length > 1 && format !== 'kubernetes';
    term.out(result.files.map((file) => (many ? `# ==> ${file.path} <==\n${file.content}` : file.content)).join(separator).trimEnd());
  } else {
    for (const path of writeExportFiles(outDir, result.files, ctx.args.options.force === true)) term.out(`Wrote ${path}`);
  }
  for (const warning of warnings.list()) term.err(term.errColor.yellow(`Warning: ${warning.key}: ${warning.message}`));
  for (const note of result.notes) term.err(note);
  return Promise.resolve(0);
};
