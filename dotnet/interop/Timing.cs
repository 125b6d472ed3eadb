// An optional stopwatch inside the bulk read (bench/profile_cycle.py turns it on): it splits ReadRecorder's
// time into the SDK making its item objects (the folder lists), the SDK's property getters, and the rest
// (this helper's own walking and text writing). Off, it costs one static field test per call.
using System.Diagnostics;

namespace SmartSync.Interop
{
    /// <summary>Seconds the bulk read spent in the SDK's lists and getters while Enabled (for profiling only).</summary>
    public static class ReadTiming
    {
        internal static bool On;
        internal static long ListTicks;
        internal static long GetTicks;
        internal static long TotalTicks;
        internal static long Gets;

        /// <summary>Turns the stopwatch on or off; turning it on resets the sums.</summary>
        public static bool Enabled
        {
            get { return On; }
            set
            {
                if (value)
                    ListTicks = GetTicks = TotalTicks = Gets = 0;
                On = value;
            }
        }

        /// <summary>Making the item objects: the SDK's folder lists (FillChildren's data turned into objects).</summary>
        public static double ListSeconds
        {
            get { return (double)ListTicks / Stopwatch.Frequency; }
        }

        /// <summary>The SDK's typed getters and GetPropertyKeys, called once per value written.</summary>
        public static double GetSeconds
        {
            get { return (double)GetTicks / Stopwatch.Frequency; }
        }

        /// <summary>Every ReadRecorder call, from start to the returned text.</summary>
        public static double TotalSeconds
        {
            get { return (double)TotalTicks / Stopwatch.Frequency; }
        }

        /// <summary>Getter calls timed.</summary>
        public static long GetCalls
        {
            get { return Gets; }
        }
    }
}
