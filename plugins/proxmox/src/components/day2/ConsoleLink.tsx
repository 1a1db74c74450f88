import { ButtonLink, Flex, Text } from '@backstage/ui';
import type { GuestLiveStatus } from '@mycopod/plugin-proxmox-common';
import type { ActionGate } from './useGuestPermissions';

/** Opens the guest's noVNC console in the Proxmox UI, in a new tab. */
export function ConsoleLink(props: {
  guest: GuestLiveStatus;
  gate: ActionGate;
}) {
  const { guest, gate } = props;
  if (!gate.shown) return null;
  if (!guest.consoleUrl) {
    return gate.enabled ? (
      <Text variant="body-small" color="secondary">
        No console link for this guest.
      </Text>
    ) : null;
  }
  return (
    <Flex>
      <ButtonLink
        variant="secondary"
        href={guest.consoleUrl}
        target="_blank"
        rel="noopener noreferrer"
        isDisabled={!gate.enabled}
        data-testid="console-link"
      >
        Open console in Proxmox
      </ButtonLink>
    </Flex>
  );
}
