// The WASM module's loader moved to src/wasm/kernel.ts, where both src/blob (the checksum) and src/lookup (the
// search) import it without importing each other; kept here so existing imports keep working.
export * from '../wasm/kernel.js';
