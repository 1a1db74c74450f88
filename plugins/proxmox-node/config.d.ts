export interface Config {
  /** MycoPod Proxmox VE integration. */
  proxmox?: {
    /**
     * Proxmox VE clusters MycoPod manages. Each entry gets one API client
     * (one keep-alive connection pool) per backend process.
     */
    clusters?: Array<{
      /**
       * Unique name of the cluster in MycoPod (letters, digits, "-", "_",
       * "."). Used in entity names and API paths; do not rename a cluster
       * that has guests in the catalog.
       * @visibility frontend
       */
      name: string;
      /**
       * Base URL of the Proxmox VE API, e.g. "https://pve1.example.com:8006".
       * A trailing "/api2/json" is accepted. Must be https.
       * @visibility backend
       */
      url: string;
      /**
       * Base URL of the Proxmox VE web UI when it differs from the API's
       * origin (e.g. a reverse proxy: "https://pve.example.com/ui"). Used
       * for the console deep link of a guest. Default: the origin of `url`.
       * @visibility backend
       */
      uiUrl?: string;
      /**
       * API token id, "user@realm!tokenname" (Datacenter → Permissions → API
       * Tokens). Sent as `Authorization: PVEAPIToken=<tokenId>=<tokenSecret>`.
       * @visibility backend
       */
      tokenId: string;
      /**
       * API token secret (a UUID). Never logged, never part of an error.
       * @visibility secret
       */
      tokenSecret: string;
      /**
       * PEM CA certificate (or the server's self-signed certificate) to verify
       * the API's TLS certificate against, instead of the system trust store.
       * Use `$file: ./pve-ca.pem` to read it from a file.
       * @visibility backend
       */
      caCert?: string;
      /**
       * Verify the server's TLS certificate. Default true. Setting false
       * disables verification (logged as a warning at startup); prefer caCert.
       * @visibility backend
       */
      tlsVerify?: boolean;
      /**
       * Node used when a request does not name one (e.g. "pve1").
       * @visibility backend
       */
      defaultNode?: string;
      /**
       * Storage id for new disks and clones when not chosen otherwise
       * (e.g. "local-lvm").
       * @visibility backend
       */
      defaultStorage?: string;
      /**
       * Bridge for new network interfaces when not chosen otherwise
       * (e.g. "vmbr0").
       * @visibility backend
       */
      defaultBridge?: string;
      /**
       * Maximum concurrent HTTPS connections to this cluster (1–256,
       * default 8). Further requests queue in the client.
       * @visibility backend
       */
      maxConnections?: number;
      /**
       * Timeouts in milliseconds.
       * @visibility backend
       */
      timeouts?: {
        /**
         * Per HTTP request attempt (headers and body), default 30000.
         * @visibility backend
         */
        requestMs?: number;
        /**
         * TCP + TLS connection establishment, default 10000.
         * @visibility backend
         */
        connectMs?: number;
        /**
         * Default overall deadline when waiting for a Proxmox task,
         * default 1800000 (30 min).
         * @visibility backend
         */
        taskMs?: number;
      };
      /**
       * Retries of transient failures (bounded exponential backoff with
       * jitter; see the package README for which requests are retried).
       * @visibility backend
       */
      retry?: {
        /**
         * Total attempts per request including the first (1–20, default 5).
         * @visibility backend
         */
        maxAttempts?: number;
        /**
         * Cap of the first retry delay in ms (default 500); doubles per retry.
         * @visibility backend
         */
        baseDelayMs?: number;
        /**
         * Upper bound of one retry delay in ms (default 10000).
         * @visibility backend
         */
        maxDelayMs?: number;
      };
    }>;
  };
}
