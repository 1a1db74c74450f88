import { Flex } from '@backstage/ui';
import type { GuestLiveStatus } from '@mycopod/plugin-proxmox-common';
import { LiveCard } from '../entity/LiveParts';
import { ConsoleLink } from './ConsoleLink';
import { PowerControls } from './PowerControls';
import type { GuestGates } from './useGuestPermissions';

/** Power buttons with their task's progress, and the console link. */
export function PowerCard(props: {
  guest: GuestLiveStatus;
  gates: GuestGates;
  onChanged: () => void;
}) {
  const { guest, gates } = props;
  if (!gates.power.shown && !gates.console.shown) return null;
  return (
    <LiveCard title="Power and console" testId="guest-power" state="ready">
      <Flex direction="column" gap="3">
        <PowerControls
          guest={guest}
          gate={gates.power}
          onChanged={props.onChanged}
        />
        <ConsoleLink guest={guest} gate={gates.console} />
      </Flex>
    </LiveCard>
  );
}
