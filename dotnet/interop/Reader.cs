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
        // Device kinds as the snapshot names them -> (folder property, list property).
        private static readonly string[][] DeviceFolders =
        {
            new[] { "camera", "CameraFolder", "Cameras" },
            new[] { "microphone", "MicrophoneFolder", "Microphones" },
            new[] { "speaker", "SpeakerFolder", "Speakers" },
            new[] { "metadata", "MetadataFolder", "Metadatas" },
            new[] { "input", "InputEventFolder", "InputEvents" },
            new[] { "output", "OutputFolder", "Outputs" },
        };

        // Typed properties the SDK keeps out of GetPropertyKeys() but that the bridge compares: the enable flag
        // is the item's own property, never one of its keys, and Related is a list.
        private static readonly string[] ItemExtras = { "Enabled" };
        private static readonly string[] ClientExtras = { "Related", "Enabled" };

        // A stream usage's settings, read through its typed properties (absent ones, e.g. RecordTo without the
        // multistream licence, are left out).
        private static readonly string[] UsageProperties =
            { "Name", "StreamReferenceId", "LiveDefault", "LiveMode", "RecordTo", "DefaultPlayback", "UseEdge" };

        /// <summary>Version of this helper; the bridge checks it to catch a stale build.</summary>
        public static string Version
        {
            get { return "2"; }
        }

        /// <summary>Recorders of a management server with their storages, no hardware.</summary>
        public static string ReadInventory(IConfigurationItem managementServer)
        {
            JsonWriter w = new JsonWriter(4096);
            w.BeginArray();
            foreach (object rs in List(managementServer, "RecordingServerFolder", "RecordingServers"))
            {
                w.BeginObject();
                WriteProps(w, "props", (IConfigurationItem)rs, null);
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
        /// refuses to read them, so cameras then carry no "privacy" key).</summary>
        public static string ReadRecorder(IConfigurationItem recorder, bool privacy)
        {
            long started = ReadTiming.On ? Stopwatch.GetTimestamp() : 0;
            JsonWriter w = new JsonWriter(64 * 1024);
            w.BeginObject();
            WriteProps(w, "props", recorder, null);
            WriteItems(w, "storages", List(recorder, "StorageFolder", "Storages"));
            w.Key("drivers");
            w.BeginArray();
            foreach (object d in List(recorder, "HardwareDriverFolder", "HardwareDrivers"))
            {
                w.BeginObject();
                WriteProps(w, "props", (IConfigurationItem)d, null);
                w.Property("path", ((IConfigurationItem)d).Path);
                w.EndObject();
            }
            w.EndArray();
            w.Key("hardware");
            w.BeginArray();
            foreach (object h in List(recorder, "HardwareFolder", "Hardwares"))
                WriteHardware(w, (IConfigurationItem)h, privacy);
            w.EndArray();
            w.EndObject();
            string text = w.ToString();
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

        private static void WriteHardware(JsonWriter w, IConfigurationItem hw, bool privacy)
        {
            w.BeginObject();
            WriteProps(w, "props", hw, ItemExtras);
            w.Key("driver_settings");
            w.BeginObject();
            foreach (object s in List(hw, "HardwareDriverSettingsFolder", "HardwareDriverSettings"))
            {
                foreach (object child in List(s, "HardwareDriverSettingsChildItems"))
                    WriteSettings(w, Get(child, "Properties") as ConfigurationApiProperties);
            }
            w.EndObject();
            w.Key("devices");
            w.BeginArray();
            foreach (string[] kind in DeviceFolders)
            {
                foreach (object d in List(hw, kind[1], kind[2]))
                    WriteDevice(w, kind[0], (IConfigurationItem)d, privacy);
            }
            w.EndArray();
            w.EndObject();
        }

        private static void WriteDevice(JsonWriter w, string kind, IConfigurationItem device, bool privacy)
        {
            w.BeginObject();
            w.Property("kind", kind);
            WriteProps(w, "props", device, ItemExtras);
            if (kind == "camera")
            {
                w.Key("streams");
                w.BeginArray();
                foreach (object s in List(device, "StreamFolder", "Streams"))
                    WriteStreamUsages(w, s);
                w.EndArray();
                w.Key("driver_settings");
                w.BeginArray();
                foreach (object s in List(device, "DeviceDriverSettingsFolder", "DeviceDriverSettings"))
                    WriteDriverSettings(w, s);
                w.EndArray();
                WriteFirst(w, "client", List(device, "ClientSettingsFolder", "ClientSettings"), ClientExtras);
                WriteFirst(w, "motion", List(device, "MotionDetectionFolder", "MotionDetections"), ItemExtras);
                if (privacy)
                    WriteFirst(w, "privacy", List(device, "PrivacyProtectionFolder", "PrivacyProtections"), ItemExtras);
                WriteItems(w, "ptz", List(device, "PtzPresetFolder", "PtzPresets"));
            }
            w.EndObject();
        }

        // StreamFolder.Streams holds one StreamDefinition whose StreamUsageChildItems are the usages.
        private static void WriteStreamUsages(JsonWriter w, object definition)
        {
            foreach (object u in List(definition, "StreamUsageChildItems"))
            {
                w.BeginObject();
                TypeAccess a = TypeAccess.Of(u);
                foreach (string k in UsageProperties)
                {
                    Func<object, object> g = a.Prop(k).Get;
                    if (g != null)
                        w.Property(k, Value(g, u));
                }
                w.EndObject();
            }
        }

        // Driver settings: the general ones in DeviceDriverSettingsChildItem.Properties, one StreamChildItems
        // entry per driver stream, each with its Properties.
        private static void WriteDriverSettings(JsonWriter w, object settings)
        {
            w.BeginObject();
            w.Key("general");
            w.BeginObject();
            WriteSettings(w, Get(Get(settings, "DeviceDriverSettingsChildItem"), "Properties") as ConfigurationApiProperties);
            w.EndObject();
            w.Key("streams");
            w.BeginArray();
            foreach (object s in List(settings, "StreamChildItems"))
            {
                w.BeginObject();
                WriteSettings(w, Get(s, "Properties") as ConfigurationApiProperties);
                w.EndObject();
            }
            w.EndArray();
            w.EndObject();
        }

        // Key/value settings as the driver reports them: short keys, raw string values.
        private static void WriteSettings(JsonWriter w, ConfigurationApiProperties props)
        {
            if (props == null)
                return;
            long started = ReadTiming.On ? Stopwatch.GetTimestamp() : 0;
            var keys = props.Keys;
            if (ReadTiming.On)
                ReadTiming.GetTicks += Stopwatch.GetTimestamp() - started;
            foreach (string k in keys)
            {
                if (!IsSecret(k))
                    w.Property(k, SettingValue(props, k));
            }
        }

        private static void WriteFirst(JsonWriter w, string key, IEnumerable items, string[] extras)
        {
            foreach (object o in items)
            {
                WriteProps(w, key, o, extras);
                return;
            }
            w.Key(key);
            w.Value(null);
        }

        private static void WriteItems(JsonWriter w, string key, IEnumerable items)
        {
            w.Key(key);
            w.BeginArray();
            foreach (object o in items)
            {
                w.BeginObject();
                WritePropsBody(w, o, null);
                w.EndObject();
            }
            w.EndArray();
        }

        private static void WriteProps(JsonWriter w, string key, object item, string[] extras)
        {
            w.Key(key);
            w.BeginObject();
            WritePropsBody(w, item, extras);
            w.EndObject();
        }

        // Every key the item reports, valued through its typed property when it has one (so JSON keeps the
        // SDK's types), else through GetProperty's string. Secrets are never written. A repeated key is
        // written again with the same value (the decoder keeps one), which costs less than a set per item.
        private static void WritePropsBody(JsonWriter w, object item, string[] extras)
        {
            TypeAccess a = TypeAccess.Of(item);
            bool hasId = false;
            int extrasSeen = 0;
            long started = ReadTiming.On ? Stopwatch.GetTimestamp() : 0;
            IEnumerable keys = a.Keys(item);
            if (ReadTiming.On)
                ReadTiming.GetTicks += Stopwatch.GetTimestamp() - started;
            foreach (object key in keys)
            {
                string k = key as string ?? Convert.ToString(key);
                Prop p = a.Prop(k);
                if (p.Secret)
                    continue;
                if (k == "Id")
                    hasId = true;
                if (extras != null)
                {
                    for (int i = 0; i < extras.Length; i++)
                    {
                        if (extras[i] == k)
                            extrasSeen |= 1 << i;
                    }
                }
                w.Property(k, p.Get != null ? Value(p.Get, item) : RawProperty(a, item, k));
            }
            if (!hasId)
            {
                Prop id = a.Prop("Id");
                if (id.Get != null)
                    w.Property("Id", Value(id.Get, item));
            }
            if (extras == null)
                return;
            for (int i = 0; i < extras.Length; i++)
            {
                if ((extrasSeen & (1 << i)) != 0)
                    continue;
                Prop p = a.Prop(extras[i]);
                if (p.Get != null && !p.Secret)
                    w.Property(extras[i], Value(p.Get, item));
            }
        }

        private static bool IsSecret(string key)
        {
            return key.IndexOf("Password", StringComparison.OrdinalIgnoreCase) >= 0;
        }

        private static object RawProperty(TypeAccess a, object item, string key)
        {
            long started = ReadTiming.On ? Stopwatch.GetTimestamp() : 0;
            IConfigurationItem ci = item as IConfigurationItem;
            object v = ci != null ? ci.GetProperty(key) : a.Raw(item, key);
            if (ReadTiming.On)
                ReadTiming.GetTicks += Stopwatch.GetTimestamp() - started;
            return v;
        }

        // A typed getter's value; timed when the stopwatch is on (see ReadTiming).
        private static object Value(Func<object, object> get, object item)
        {
            if (!ReadTiming.On)
                return get(item);
            long started = Stopwatch.GetTimestamp();
            object v = get(item);
            ReadTiming.GetTicks += Stopwatch.GetTimestamp() - started;
            ReadTiming.Gets++;
            return v;
        }

        private static object SettingValue(ConfigurationApiProperties props, string key)
        {
            if (!ReadTiming.On)
                return props.GetValue(key);
            long started = Stopwatch.GetTimestamp();
            object v = props.GetValue(key);
            ReadTiming.GetTicks += Stopwatch.GetTimestamp() - started;
            ReadTiming.Gets++;
            return v;
        }

        private static object Get(object obj, string name)
        {
            return obj == null ? null : TypeAccess.Of(obj).Value(obj, name);
        }

        private static IEnumerable List(object obj, string folder, string list)
        {
            return List(Get(obj, folder), list);
        }

        // A folder's item list: where the SDK makes the item objects (timed as such when the stopwatch is on).
        private static IEnumerable List(object folder, string list)
        {
            long started = ReadTiming.On ? Stopwatch.GetTimestamp() : 0;
            IEnumerable items = Get(folder, list) as IEnumerable;
            if (ReadTiming.On)
                ReadTiming.ListTicks += Stopwatch.GetTimestamp() - started;
            return items ?? new object[0];
        }
    }
}
