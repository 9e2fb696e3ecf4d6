// The version string, baked in by the bundler (scripts/build.mjs) as `X.Y.Z (rev SHA)`.
declare const PROCODILE_VERSION: string | undefined;

export const VERSION: string = typeof PROCODILE_VERSION === 'string' ? PROCODILE_VERSION : '0.0.0-dev (unbundled)';
