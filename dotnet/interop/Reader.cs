// SmartSync.Interop.Reader: walks configuration items the SDK has ALREADY
// loaded (after FillChildren) and returns them as one JSON string. It makes
// no decisions: Python (bridge/sdk/parse.py) turns the JSON into the
// snapshot. Folders and typed properties are reached by name through cached
// reflection, so the same helper reads the vendor's SDK and the fake without
// depending on which concrete type or number type each one uses.
using System;
using System.Collections;
using System.Diagnostics;
using VideoOS.Platform.ConfigurationItems;

namespace SmartSync.Interop
{
    public static class Reader
    {
        /// <summary>Version of this helper; the bridge checks it to catch a stale build.</summary>
        public static string Version
        {
            get { return "3"; }
        }

        /// <summary>Recorders of a management server with their storages, no hardware.</summary>
        public static string ReadInventory(IConfigurationItem managementServer)
        {
            JsonWriter w = new JsonWriter(4096);
            w.BeginArray();
            foreach (object rs in List(managementServer, "RecordingServerFolder", "RecordingServers"))
            {
                w.BeginObject();
                WriteProps(w, "props", (IConfigurationItem)rs);
                WriteItems(w, "storages", List(rs, "StorageFolder", "Storages"));
                w.EndObject();
            }
            w.EndArray();
            return w.ToString();
        }

        /// <summary>One recorder with storages, drivers, hardware, devices and their settings.</summary>
        public static string ReadRecorder(IConfigurationItem recorder)
        {
            return ReadRecorder(recorder, true);
        }

        /// <summary>As ReadRecorder; without privacy masks when privacy is false (a VMS without that licence
        /// refuses to read them, so cameras then carry none). The text is the compact dump of RecorderDump.</summary>
        public static string ReadRecorder(IConfigurationItem recorder, bool privacy)
        {
            return ReadRecorder(recorder, privacy, false);
        }

        /// <summary>As ReadRecorder; with release, each hardware's children are let go (ClearChildrenCache)
        /// once written, for a caller that drops the recorder's hardware list after the read anyway: then only
        /// one hardware's device and setting objects are alive at a time, instead of the whole recorder's.</summary>
        public static string ReadRecorder(IConfigurationItem recorder, bool privacy, bool release)
        {
            long started = ReadTiming.On ? Stopwatch.GetTimestamp() : 0;
            string text = new RecorderDump(privacy, release).Write(recorder);
            if (ReadTiming.On)
                ReadTiming.TotalTicks += Stopwatch.GetTimestamp() - started;
            return text;
        }

        /// <summary>Device groups below a CameraGroupFolder: "/A/B" -> ids of the direct member cameras.</summary>
        public static string ReadGroups(IConfigurationItem managementServer)
        {
            JsonWriter w = new JsonWriter(4096);
            w.BeginObject();
            WriteGroups(w, Get(managementServer, "CameraGroupFolder"), "");
            w.EndObject();
            return w.ToString();
        }

        private static void WriteGroups(JsonWriter w, object folder, string prefix)
        {
            foreach (object g in List(folder, "CameraGroups"))
            {
                IConfigurationItem group = (IConfigurationItem)g;
                string path = prefix + "/" + group.Name;
                w.Key(path);
                w.BeginArray();
                foreach (object cam in List(group, "CameraFolder", "Cameras"))
                    w.Value(Get(cam, "Id"));
                w.EndArray();
                WriteGroups(w, Get(group, "CameraGroupFolder"), path);
            }
        }

        private static void WriteItems(JsonWriter w, string key, IEnumerable items)
        {
            w.Key(key);
            w.BeginArray();
            foreach (object o in items)
            {
                w.BeginObject();
                WritePropsBody(w, o);
                w.EndObject();
            }
            w.EndArray();
        }

        private static void WriteProps(JsonWriter w, string key, object item)
        {
            w.Key(key);
            w.BeginObject();
            WritePropsBody(w, item);
            w.EndObject();
        }

        // Every key the item reports, valued through its typed property when it has one (so JSON keeps the
        // SDK's types), else through GetProperty's string, and its Id. Secrets are never written.
        private static void WritePropsBody(JsonWriter w, object item)
        {
            TypeAccess a = TypeAccess.Of(item);
            bool hasId = false;
            foreach (object key in Keys(a, item))
            {
                string k = key as string ?? Convert.ToString(key);
                Prop p = a.Prop(k);
                if (p.Secret)
                    continue;
                hasId |= k == "Id";
                w.Property(k, p.Get != null ? Value(p.Get, item) : RawProperty(a, item, k));
            }
            Prop id = a.Prop("Id");
            if (!hasId && id.Get != null)
                w.Property("Id", Value(id.Get, item));
        }

        internal static bool IsSecret(string key)
        {
            return key.IndexOf("Password", StringComparison.OrdinalIgnoreCase) >= 0;
        }

        internal static object RawProperty(TypeAccess a, object item, string key)
        {
            long started = ReadTiming.On ? Stopwatch.GetTimestamp() : 0;
            IConfigurationItem ci = item as IConfigurationItem;
            object v = ci != null ? ci.GetProperty(key) : a.Raw(item, key);
            if (ReadTiming.On)
                ReadTiming.GetTicks += Stopwatch.GetTimestamp() - started;
            return v;
        }

        // The item's GetPropertyKeys; timed as a getter when the stopwatch is on (see ReadTiming).
        internal static IEnumerable Keys(TypeAccess a, object item)
        {
            if (!ReadTiming.On)
                return a.Keys(item);
            long started = Stopwatch.GetTimestamp();
            IEnumerable keys = a.Keys(item);
            ReadTiming.GetTicks += Stopwatch.GetTimestamp() - started;
            return keys;
        }

        // A settings list's keys; timed as a getter when the stopwatch is on.
        internal static IEnumerable SettingKeys(ConfigurationApiProperties props)
        {
            if (!ReadTiming.On)
                return props.Keys;
            long started = Stopwatch.GetTimestamp();
            IEnumerable keys = props.Keys;
            ReadTiming.GetTicks += Stopwatch.GetTimestamp() - started;
            return keys;
        }

        // A typed getter's value; timed when the stopwatch is on (see ReadTiming).
        internal static object Value(Func<object, object> get, object item)
        {
            if (!ReadTiming.On)
                return get(item);
            long started = Stopwatch.GetTimestamp();
            object v = get(item);
            ReadTiming.GetTicks += Stopwatch.GetTimestamp() - started;
            ReadTiming.Gets++;
            return v;
        }

        internal static object SettingValue(ConfigurationApiProperties props, string key)
        {
            if (!ReadTiming.On)
                return props.GetValue(key);
            long started = Stopwatch.GetTimestamp();
            object v = props.GetValue(key);
            ReadTiming.GetTicks += Stopwatch.GetTimestamp() - started;
            ReadTiming.Gets++;
            return v;
        }

        internal static object Get(object obj, string name)
        {
            return obj == null ? null : TypeAccess.Of(obj).Value(obj, name);
        }

        internal static IEnumerable List(object obj, string folder, string list)
        {
            return List(Get(obj, folder), list);
        }

        // A folder's item list: where the SDK makes the item objects (timed as such when the stopwatch is on).
        internal static IEnumerable List(object folder, string list)
        {
            long started = ReadTiming.On ? Stopwatch.GetTimestamp() : 0;
            IEnumerable items = Get(folder, list) as IEnumerable;
            if (ReadTiming.On)
                ReadTiming.ListTicks += Stopwatch.GetTimestamp() - started;
            return items ?? new object[0];
        }
    }
}
