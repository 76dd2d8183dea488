import { bundleDashboard } from './bundle.ts' with { type: 'macro' }

/** The bundled page, inlined at transpile time (see bundle.ts). */
export const DASHBOARD = bundleDashboard()
