import { type Accepted, PermanentSendError } from './send-errors';

export type DeviceType = 'ios' | 'android' | 'web';
export type PushMessage = { title: string; body: string; data: Record<string, string> };
type Sender = (deviceToken: string, message: PushMessage) => Promise<Accepted>;

/** Routes a push to the adapter of the device's platform; a platform with no credentials cannot be sent to. */
export function pushChannels(senders: Partial<Record<DeviceType, Sender>>) {
  return (deviceType: DeviceType, deviceToken: string, message: PushMessage): Promise<Accepted> => {
    const send = senders[deviceType];
    if (!send) return Promise.reject(new PermanentSendError(`no ${deviceType} push credentials configured`));
    return send(deviceToken, message);
  };
}
export type SendPush = ReturnType<typeof pushChannels>;
