import { useState } from 'react';
import { useApi } from '@backstage/frontend-plugin-api';
import type {
  GuestLiveStatus,
  GuestRequestBody,
  ProxmoxRequest,
} from '@mycopod/plugin-proxmox-common';
import { proxmoxApiRef } from '../../api';

/** Files a day-2 request for a guest; keeps the filed request or the error. */
export function useFileGuestRequest(guest: GuestLiveStatus) {
  const api = useApi(proxmoxApiRef);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [filed, setFiled] = useState<ProxmoxRequest>();
  const file = async (body: GuestRequestBody): Promise<boolean> => {
    setBusy(true);
    setError(undefined);
    try {
      setFiled(await api.fileGuestRequest(guest.cluster, guest.vmid, body));
      return true;
    } catch (e) {
      setError(e);
      return false;
    } finally {
      setBusy(false);
    }
  };
  return {
    busy,
    error,
    filed,
    file,
    clearError: () => setError(undefined),
  };
}

/**
 * Files a day-2 request from one of a card's dialogs: which dialog is open,
 * the filed request or the error; a filed request closes the dialog and
 * calls `onFiled`.
 */
export function useGuestRequestDialog<D extends string>(
  guest: GuestLiveStatus,
  onFiled: () => void,
) {
  const requests = useFileGuestRequest(guest);
  const [dialog, setDialog] = useState<D>();
  return {
    ...requests,
    dialog,
    open: (d: D) => {
      requests.clearError();
      setDialog(d);
    },
    close: () => {
      requests.clearError();
      setDialog(undefined);
    },
    submit: async (body: GuestRequestBody) => {
      if (await requests.file(body)) {
        setDialog(undefined);
        onFiled();
      }
    },
  };
}
