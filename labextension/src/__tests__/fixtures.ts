import { emptyStatus, type IVSCodeStatus, type Trans } from '../tokens';

/** Like nullTranslator's bundle: %1, %2, ... replaced by the arguments. */
export const trans: Trans = {
  __: (msgid: string, ...args: unknown[]) =>
    msgid.replace(/%(\d+)/g, (m, n) =>
      Number(n) <= args.length ? String(args[Number(n) - 1]) : m
    )
};

/** Marks every translated string, to prove a text went through the translator. */
export const marked: Trans = {
  __: (msgid: string, ...args: unknown[]) => `«${trans.__(msgid, ...args)}»`
};

/** The frontend's {@link emptyStatus} (stopped, every nullable field null) with `fields` set. */
export function statusForTests(
  fields: Partial<IVSCodeStatus> = {}
): IVSCodeStatus {
  return { ...emptyStatus(), ...fields };
}
