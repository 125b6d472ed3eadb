// The key lists ("shapes") of one compact recorder dump. Every property bag is written as a JSON array of its
// values followed by the number of its shape, and each distinct list of keys is written once, at the end of
// the dump: items of one type nearly always report the same keys in the same order, so a recorder of
// thousands of cameras carries a few dozen key lists instead of a key per value.
using System.Collections.Generic;

namespace SmartSync.Interop
{
    /// <summary>Where a bag is written from: each place remembers the shape it matched last.</summary>
    internal enum Slot
    {
        Recorder, Storage, Driver, Hardware, HardwareSettings, Device, Usage, DriverGeneral, DriverStream,
        Client, Motion, Privacy, Ptz, Count
    }

    internal sealed class Shapes
    {
        private readonly List<string[]> known = new List<string[]>();
        private readonly int[] last = new int[(int)Slot.Count];

        public Shapes()
        {
            for (int i = 0; i < last.Length; i++)
                last[i] = -1;
        }

        /// <summary>The number of the shape with exactly these keys, in this order (added when new).</summary>
        public int Of(Slot slot, List<string> keys)
        {
            int s = last[(int)slot];
            if (s >= 0 && Same(known[s], keys))
                return s;
            for (s = 0; s < known.Count; s++)
            {
                if (Same(known[s], keys))
                    break;
            }
            if (s == known.Count)
                known.Add(keys.ToArray());
            last[(int)slot] = s;
            return s;
        }

        public void Write(JsonWriter w)
        {
            w.BeginArray();
            foreach (string[] keys in known)
            {
                w.BeginArray();
                foreach (string k in keys)
                    w.Value(k);
                w.EndArray();
            }
            w.EndArray();
        }

        // Keys usually come from one interned table (the same string objects), so the reference test decides.
        private static bool Same(string[] shape, List<string> keys)
        {
            if (shape.Length != keys.Count)
                return false;
            for (int i = 0; i < shape.Length; i++)
            {
                string k = keys[i];
                if (!ReferenceEquals(shape[i], k) && shape[i] != k)
                    return false;
            }
            return true;
        }
    }
}
