export interface Config {
  proxmox?: {
    /** Settings of the MycoPod scaffolder actions (`proxmox:vm:*`). */
    scaffolder?: {
      /**
       * How long `proxmox:vm:await` waits for a request to reach ready,
       * failed, rejected or cancelled before the step fails, in minutes.
       * The request itself goes on in the background. Default 10.
       * @visibility backend
       */
      awaitTimeoutMinutes?: number;
    };
  };
}
