import type { SchedulerServiceTaskScheduleDefinitionConfig } from '@backstage/backend-plugin-api';
import type { HumanDuration } from '@backstage/types';

export interface Config {
  /** MycoPod Proxmox VE integration. */
  proxmox?: {
    /**
     * Groups whose members approve requests: they are notified of pending
     * requests, and the demo permission policy lets them read every request
     * and approve or reject others'. Default: ["group:default/platform-admins"].
     * @visibility backend
     */
    approverGroups?: string[];
    /**
     * Per-user rate limits of the API (src/ratelimit), counted in each
     * backend instance (fixed windows, in memory). Over a limit the answer
     * is 429 with a `Retry-After` header (seconds) and a JSON error. Keyed
     * by the caller's user entity ref (service principals by subject);
     * requests without credentials are not counted.
     * @visibility backend
     */
    rateLimits?: {
      /**
       * Every POST, PUT, PATCH and DELETE under /api/proxmox. Default
       * { limit: 120, windowSeconds: 60 }.
       * @visibility backend
       */
      writes?: {
        /**
         * Requests per window; 0 turns the limit off.
         * @visibility backend
         */
        limit?: number;
        /**
         * Window length in seconds (≥ 1).
         * @visibility backend
         */
        windowSeconds?: number;
      };
      /**
       * Immediate guest actions (power and snapshot routes), counted on top
       * of `writes`. Default { limit: 30, windowSeconds: 60 }.
       * @visibility backend
       */
      actions?: {
        /**
         * Requests per window; 0 turns the limit off.
         * @visibility backend
         */
        limit?: number;
        /**
         * Window length in seconds (≥ 1).
         * @visibility backend
         */
        windowSeconds?: number;
      };
    };
    // ------------------------------------------------------------------
    // proxmox.policy — the request policy engine (src/policy). Read and
    // validated by readPolicyConfig; an invalid value fails startup with an
    // error naming the key.
    // ------------------------------------------------------------------
    /**
     * What developers may request: per-request limits, per-group quotas and
     * allow lists, leases and auto-approval. Every key is optional.
     * @visibility backend
     */
    policy?: {
      /**
       * Upper bounds for a single request. A request above one is refused.
       * @visibility backend
       */
      limits?: {
        /**
         * Most vCPUs one VM may have. Default 16.
         * @visibility backend
         */
        maxCores?: number;
        /**
         * Most memory one VM may have, in MiB. Default 65536 (64 GiB).
         * @visibility backend
         */
        maxMemoryMiB?: number;
        /**
         * Largest boot disk one VM may have, in GiB. Default 500.
         * @visibility backend
         */
        maxDiskGiB?: number;
      };
      /**
       * How long a VM lives before it expires.
       * @visibility backend
       */
      lease?: {
        /**
         * Lease a request gets when it names none, in days. Default 30.
         * Must not exceed maxDays.
         * @visibility backend
         */
        defaultDays?: number;
        /**
         * Longest lease a request may ask for, in days. Default 90.
         * @visibility backend
         */
        maxDays?: number;
      };
      /**
       * Requests that pass every check, raise no quota warning and are within
       * all three thresholds are approved without an approver.
       * @visibility backend
       */
      autoApprove?: {
        /**
         * Turn auto-approval on. Default false.
         * @visibility backend
         */
        enabled?: boolean;
        /**
         * Most vCPUs of an auto-approved VM. Default 2.
         * @visibility backend
         */
        maxCores?: number;
        /**
         * Most memory of an auto-approved VM, in MiB. Default 4096.
         * @visibility backend
         */
        maxMemoryMiB?: number;
        /**
         * Largest boot disk of an auto-approved VM, in GiB. Default 40.
         * @visibility backend
         */
        maxDiskGiB?: number;
      };
      /**
       * May an approver approve requests they filed themselves. Default false.
       * @visibility backend
       */
      selfApproval?: boolean;
      /**
       * The owner group of a request must be one of the requester's
       * ownership refs (their groups). Default true.
       * @visibility backend
       */
      requireOwnerMembership?: boolean;
      /**
       * Named sizes the forms offer. Default: small (1 vCPU, 2048 MiB,
       * 20 GiB), medium (2, 4096, 40), large (4, 8192, 80) — those within
       * `limits`. Configured presets must be within `limits` and have
       * unique names.
       * @visibility backend
       */
      sizePresets?: Array<{
        /**
         * Name shown in the forms, e.g. "small".
         * @visibility backend
         */
        name: string;
        /**
         * vCPUs.
         * @visibility backend
         */
        cores: number;
        /**
         * Memory in MiB.
         * @visibility backend
         */
        memoryMiB: number;
        /**
         * Boot disk in GiB.
         * @visibility backend
         */
        diskGiB: number;
      }>;
      /**
       * Policy of owner groups not listed in `groups`.
       * @visibility backend
       */
      defaults?: {
        /**
         * How much an owner group's VMs may hold in total (requests that are
         * approved, provisioning or ready; pending ones raise a warning when
         * filing). A key left out is unlimited. Default when `quota` is left
         * out: count 10, cores 32, memoryMiB 65536, diskGiB 2000.
         * @visibility backend
         */
        quota?: {
          /**
           * Number of VMs.
           * @visibility backend
           */
          count?: number;
          /**
           * Total vCPUs.
           * @visibility backend
           */
          cores?: number;
          /**
           * Total memory in MiB.
           * @visibility backend
           */
          memoryMiB?: number;
          /**
           * Total boot disk in GiB.
           * @visibility backend
           */
          diskGiB?: number;
        };
        /**
         * Templates a group may clone, by name or VMID. `*` matches any run
         * of characters; an entry "cluster/entry" applies in that cluster
         * only. Default ["*"] (any).
         * @visibility backend
         */
        allowedTemplates?: Array<string | number>;
        /**
         * Bridges or SDN vnets a group may attach to (same matching as
         * allowedTemplates). Default ["*"] (any).
         * @visibility backend
         */
        allowedNetworks?: string[];
        /**
         * Proxmox firewall security groups a group may use (same matching as
         * allowedTemplates). Default ["*"] (any).
         * @visibility backend
         */
        allowedSecurityGroups?: string[];
      };
      /**
       * Per-group policy. A key set here replaces the one in `defaults` as a
       * whole (a `quota` given here does not merge with the default quota);
       * a key left out inherits it. Default none.
       * @visibility backend
       */
      groups?: Array<{
        /**
         * Group entity ref, e.g. "group:default/team-a" ("team-a" means the
         * same). Each group at most once.
         * @visibility backend
         */
        group: string;
        /**
         * The group's quota; a key left out is unlimited.
         * @visibility backend
         */
        quota?: {
          /**
           * Number of VMs.
           * @visibility backend
           */
          count?: number;
          /**
           * Total vCPUs.
           * @visibility backend
           */
          cores?: number;
          /**
           * Total memory in MiB.
           * @visibility backend
           */
          memoryMiB?: number;
          /**
           * Total boot disk in GiB.
           * @visibility backend
           */
          diskGiB?: number;
        };
        /**
         * Templates the group may clone (see defaults.allowedTemplates).
         * @visibility backend
         */
        allowedTemplates?: Array<string | number>;
        /**
         * Bridges or vnets the group may attach to.
         * @visibility backend
         */
        allowedNetworks?: string[];
        /**
         * Security groups the group may use.
         * @visibility backend
         */
        allowedSecurityGroups?: string[];
      }>;
    };
    // ------------------------------------------------------------ end policy
    // ------------------------------------------------------------------
    // proxmox.executor — the provisioning executor (src/executor). Read by
    // readExecutorConfig; an invalid value fails startup naming the key.
    // ------------------------------------------------------------------
    /**
     * How approved requests are provisioned. Every key is optional.
     * @visibility backend
     */
    executor?: {
      /**
       * Claim and run provisioning jobs in this backend instance. Default true.
       * @visibility backend
       */
      enabled?: boolean;
      /**
       * How often the job queue is polled, in ms. Default 1000.
       * @visibility backend
       */
      pollIntervalMs?: number;
      /**
       * How long a claimed job stays with its worker without a heartbeat, in
       * ms (renewed every third of it). Default 30000, at least 1000.
       * @visibility backend
       */
      leaseMs?: number;
      /**
       * Bounded parallelism of one backend instance.
       * @visibility backend
       */
      concurrency?: {
        /**
         * Jobs of one cluster at once. Default 8.
         * @visibility backend
         */
        perCluster?: number;
        /**
         * Jobs cloning one source template at once. Default 4.
         * @visibility backend
         */
        perTemplate?: number;
      };
      /**
       * Attempts of a job at one step before a transient failure becomes
       * final. Default 5.
       * @visibility backend
       */
      maxAttempts?: number;
      /**
       * Backoff between attempts (exponential with jitter).
       * @visibility backend
       */
      retry?: {
        /**
         * First delay in ms. Default 2000.
         * @visibility backend
         */
        baseDelayMs?: number;
        /**
         * Largest delay in ms. Default 60000.
         * @visibility backend
         */
        maxDelayMs?: number;
      };
      /**
       * Bounds of the waiting steps, in ms.
       * @visibility backend
       */
      stepTimeouts?: {
        /**
         * The clone task. Default 600000 (10 min).
         * @visibility backend
         */
        cloneMs?: number;
        /**
         * Other tasks (resize, start, unlock). Default 300000 (5 min).
         * @visibility backend
         */
        taskMs?: number;
        /**
         * The guest agent reporting an IP address. Default 120000 (2 min).
         * @visibility backend
         */
        ipMs?: number;
      };
      /**
       * `required`: no IP within stepTimeouts.ipMs fails the request;
       * `best-effort`: the request becomes ready without one (noted).
       * Default best-effort.
       * @visibility backend
       */
      ipWait?: 'required' | 'best-effort';
    };
    // ---------------------------------------------------------- end executor
    // ------------------------------------------------------------------
    // proxmox.leases — the lease scheduler (src/leases). Read by
    // readLeaseConfig; an invalid value fails startup naming the key.
    // ------------------------------------------------------------------
    /**
     * What happens when a guest's lease ends: a global scheduled task warns
     * the owner group, shuts the guest down at the end (its create request
     * becomes `expired`) and files a decommission after the grace period,
     * unless the lease was extended. Every key is optional.
     * @visibility backend
     */
    leases?: {
      /**
       * Run the lease scheduler. Default true.
       * @visibility backend
       */
      enabled?: boolean;
      /**
       * How often it runs (always global: one replica per run). Default
       * every 10 minutes, timeout 10 minutes, first run 30 s after start.
       * @visibility backend
       */
      schedule?: SchedulerServiceTaskScheduleDefinitionConfig;
      /**
       * How long before the end the owner group is notified (once per lease
       * end; an extension warns again). A duration: "3d", "P3D" or
       * { days: 3 }. Default 3 days.
       * @visibility backend
       */
      warnBefore?: string | HumanDuration;
      /**
       * How long an expired guest stays shut down before it is
       * decommissioned, counted from the later of the lease end and the
       * shutdown. A duration. Default 7 days.
       * @visibility backend
       */
      grace?: string | HumanDuration;
      /**
       * How long the guest OS gets to shut down at the end before a hard
       * stop. A duration, at least 1 second. Default 60 seconds.
       * @visibility backend
       */
      shutdownTimeout?: string | HumanDuration;
      /**
       * Leases of VMs MycoPod did not create, by Proxmox pool: pool name →
       * days, counted from when MycoPod first saw the VM. Default none.
       * @visibility backend
       */
      byPool?: { [pool: string]: number };
      /**
       * Leases of VMs MycoPod did not create, by Proxmox tag: tag → days
       * (with byPool, the shortest lease that applies wins). Default none.
       * @visibility backend
       */
      byTag?: { [tag: string]: number };
    };
    // ------------------------------------------------------------ end leases
    /**
     * The drift scan (src/drift): a global scheduled task compares each
     * MycoPod guest's declared spec with its live config and records the
     * differences (shown on the guest, fixed by a reconcile request).
     * @visibility backend
     */
    drift?: {
      /**
       * Run the drift scan. Default true.
       * @visibility backend
       */
      enabled?: boolean;
      /**
       * How often it runs (always global). Default every hour, timeout 30
       * minutes, first run 1 minute after start.
       * @visibility backend
       */
      schedule?: SchedulerServiceTaskScheduleDefinitionConfig;
    };
    // ------------------------------------------------------------------
    // proxmox.ipPools — IP pools (src/ipam). Read by readIpPoolsConfig; an
    // invalid value fails startup with an error naming the key.
    // ------------------------------------------------------------------
    /**
     * IPv4 pools a request may take its address from
     * (`cloudInit.ipv4: { pool: <name> }`). The next free address is taken
     * when the request is approved and written to the guest's cloud-init
     * (`ipconfig0`); it is freed when the request is cancelled, rejected or
     * fails without a guest, and when the guest is decommissioned. Pools of
     * one network (and cluster) must not share addresses. Default: none.
     * @visibility backend
     */
    ipPools?: Array<{
      /**
       * The name requests use: letters, digits, `_ . -`, up to 63, unique.
       * @visibility backend
       */
      name: string;
      /**
       * The Proxmox cluster (a `proxmox.clusters[].name`) the pool serves.
       * Absent: every cluster that has the network.
       * @visibility backend
       */
      cluster?: string;
      /**
       * The network the addresses belong to: exactly one of `bridge` or
       * `vnet`, as in a request's `network`. A request for the pool must
       * attach to it.
       * @visibility backend
       */
      network: {
        /**
         * A Linux bridge, e.g. "vmbr0".
         * @visibility backend
         */
        bridge?: string;
        /**
         * An SDN vnet, e.g. "vnet100".
         * @visibility backend
         */
        vnet?: string;
      };
      /**
       * The IPv4 network, e.g. "10.10.0.0/24" (the network address, not a
       * host's). Its prefix length goes into every address handed out.
       * @visibility backend
       */
      cidr: string;
      /**
       * The default gateway written to cloud-init; inside `cidr`, never
       * handed out.
       * @visibility backend
       */
      gateway: string;
      /**
       * The addresses handed out, lowest first: one range or a list of
       * ranges, inside `cidr` (its network and broadcast address are never
       * handed out).
       * @visibility backend
       */
      range:
        | {
            /**
             * First address of the range, e.g. "10.10.0.150".
             * @visibility backend
             */
            first: string;
            /**
             * Last address of the range (included).
             * @visibility backend
             */
            last: string;
          }
        | Array<{
            /**
             * First address of the range.
             * @visibility backend
             */
            first: string;
            /**
             * Last address of the range (included).
             * @visibility backend
             */
            last: string;
          }>;
      /**
       * Addresses of the ranges never to hand out (used elsewhere): single
       * addresses or `{ first, last }` ranges. Default none.
       * @visibility backend
       */
      exclude?: Array<
        | string
        | {
            /**
             * First excluded address.
             * @visibility backend
             */
            first: string;
            /**
             * Last excluded address (included).
             * @visibility backend
             */
            last: string;
          }
      >;
      /**
       * Group entity refs whose requests (by owner group) may use the pool,
       * e.g. ["group:default/team-a"] ("team-a" means the same). Absent:
       * every group.
       * @visibility backend
       */
      groups?: string[];
      /**
       * DNS settings written to cloud-init with the address. Default none
       * (Proxmox then uses the host's).
       * @visibility backend
       */
      dns?: {
        /**
         * Up to three IPv4 name servers (cloud-init `nameserver`).
         * @visibility backend
         */
        nameservers?: string[];
        /**
         * The search domain (cloud-init `searchdomain`), e.g. "lab.example".
         * @visibility backend
         */
        searchDomain?: string;
      };
    }>;
    // ----------------------------------------------------------- end ipPools
    // ------------------------------------------------------------------
    // proxmox.llm — plain-language drafting (src/llm, src/drafts). Read by
    // readLlmConfig; without `provider` drafting is off (POST /drafts
    // answers 503); an invalid value fails startup naming the key.
    // ------------------------------------------------------------------
    /**
     * The model that drafts plans from a developer's words, through the
     * provider's OpenAI-compatible chat-completions endpoint.
     * @visibility backend
     */
    llm?: {
      /**
       * `openai`, `anthropic`, `gemini`, `ollama` or `openai-compatible`
       * (any endpoint that speaks OpenAI's chat completions: vLLM, LiteLLM,
       * LM Studio, Azure AI…). Unset: drafting is off.
       * @visibility backend
       */
      provider?:
        | 'openai'
        | 'anthropic'
        | 'gemini'
        | 'ollama'
        | 'openai-compatible';
      /**
       * Base URL of the OpenAI-compatible API, e.g.
       * "http://localhost:11434/v1". Required for openai-compatible;
       * defaults: openai https://api.openai.com/v1, anthropic
       * https://api.anthropic.com/v1/, gemini
       * https://generativelanguage.googleapis.com/v1beta/openai/, ollama
       * http://localhost:11434/v1.
       * @visibility backend
       */
      baseUrl?: string;
      /**
       * API key, sent as `Authorization: Bearer <key>` to the provider and
       * nowhere else: never logged, never in a response, an audit event or
       * a notification. Required for openai, anthropic and gemini; without
       * one no Authorization header is sent.
       * @visibility secret
       */
      apiKey?: string;
      /**
       * The provider's model name, e.g. "gpt-4.1-mini", "claude-sonnet-4-5",
       * "gemini-2.5-flash", "llama3.1". Required with a provider.
       * @visibility backend
       */
      model?: string;
      /**
       * How the model answers in the plan's shape: `json-schema`
       * (structured output, `response_format`) or `tool-call` (one forced
       * function call). Default: tool-call for anthropic, else json-schema.
       * @visibility backend
       */
      output?: 'json-schema' | 'tool-call';
      /**
       * How long one model call may take, in ms. Default 60000.
       * @visibility backend
       */
      timeoutMs?: number;
      /**
       * Most tokens of an answer. Default 4096.
       * @visibility backend
       */
      maxTokens?: number;
      /**
       * Sampling temperature, 0 to 2. Default 0.
       * @visibility backend
       */
      temperature?: number;
      /**
       * Most operations one plan may hold, 1 to 20. Default 10.
       * @visibility backend
       */
      maxOperations?: number;
      /**
       * Drafts per user per window, in each backend instance (every model
       * call costs, failed ones too). Over it: 429 with Retry-After.
       * @visibility backend
       */
      rateLimit?: {
        /**
         * Drafts in the window. Default 10.
         * @visibility backend
         */
        requests?: number;
        /**
         * The window in seconds. Default 300.
         * @visibility backend
         */
        windowSeconds?: number;
      };
    };
    // --------------------------------------------------------------- end llm
    // ------------------------------------------------------------------
    // proxmox.console — the in-browser console (src/console). Read by
    // readConsoleConfig; an invalid value fails startup naming the key.
    // ------------------------------------------------------------------
    /**
     * The in-browser console of guests (noVNC in the Console tab through
     * this backend). Every key is optional.
     * @visibility backend
     */
    console?: {
      /**
       * Offer the console: the ticket route and the WebSocket. Default true.
       * @visibility backend
       */
      enabled?: boolean;
      /**
       * How long a one-time console ticket waits for its WebSocket, in ms,
       * 1000 to 30000. Default 30000.
       * @visibility backend
       */
      ticketTtlMs?: number;
      /**
       * A session with no traffic in either direction for this long ends
       * (close code 4001), in ms. Default 900000 (15 min).
       * @visibility backend
       */
      idleTimeoutMs?: number;
      /**
       * No session lasts longer (close code 4002), in ms. Default 14400000
       * (4 h).
       * @visibility backend
       */
      maxSessionMs?: number;
    };
    // ----------------------------------------------------------- end console
  };
}
