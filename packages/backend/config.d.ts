export interface Config {
  auth?: {
    providers?: {
      /**
       * MycoPod demo persona sign-in (development only). The frontend signs in
       * by calling `/api/auth/persona/refresh` with an `x-mycopod-persona`
       * header naming one of `users`; the auth backend issues a real Backstage
       * token for that catalog user. Leave this key out to turn it off.
       */
      persona?: {
        /**
         * The users that may be signed in as, as entity refs
         * (`user:default/dev`) or plain names (`dev`). They must exist in the
         * catalog.
         */
        users: string[];
        /**
         * The provider refuses to start when NODE_ENV=production unless this
         * is true. Never enable it on a real deployment: anyone can sign in as
         * any listed user.
         * @default false
         */
        dangerouslyAllowInProduction?: boolean;
      };
    };
  };
}
