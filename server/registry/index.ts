/** The registry domain's public face: what serving, routing and tuning consume. */
export {};
