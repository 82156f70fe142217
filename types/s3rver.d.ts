declare module 's3rver' {
  import type { IncomingMessage, ServerResponse } from 'node:http';
  interface S3rverOptions {
    port?: number;
    address?: string;
    silent?: boolean;
    directory?: string;
    resetOnClose?: boolean;
    /** Take a non-IP Host header as a bucket name (default true). */
    vhostBuckets?: boolean;
    allowMismatchedSignatures?: boolean;
    configureBuckets?: { name: string; configs?: (string | Buffer)[] }[];
  }
  export default class S3rver {
    constructor(options?: S3rverOptions);
    run(): Promise<{ address: string; port: number }>;
    close(): Promise<void>;
    /** The Koa request listener, to serve s3rver from one's own node:http server. */
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    /** The filesystem store (lib/stores/filesystem.js). */
    readonly store: {
      rootDirectory: string;
      getBucketPath(bucket: string): string;
      getResourcePath(bucket: string, key: string | undefined, resource: string): string;
      initiateUpload(bucket: string, key: string, uploadId: string, metadata: unknown): Promise<unknown>;
      putPart(bucket: string, uploadId: string, partNumber: unknown, content: unknown): Promise<unknown>;
      putObjectMultipart(bucket: string, uploadId: string, parts: { number: unknown }[]): Promise<unknown>;
    };
    readonly logger: { close(): void };
  }
}
