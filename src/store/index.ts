export type { ObjectStore, GetOptions, GetResult, PutOptions, HeadResult, StoreOptions } from './types.js';
export { DEFAULT_STORE_TIMEOUT_MS } from './types.js';
export { FolderStore, etagOf } from './folder.js';
export { S3Store, type S3StoreOptions } from './s3.js';
export { openStore } from './open.js';
export { checkKey } from './keys.js';
