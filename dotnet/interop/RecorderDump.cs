// One recorder's compact dump (Reader.ReadRecorder), decoded by bridge/sdk/parse.py. Every property bag (an
// item's keys and values, a settings list) is an array of its values with its shape's number last; the key
// lists are written once, under "shapes". Positions replace names in the fixed parts:
//
//   {"recorder": bag, "storages": [bag...], "drivers": [[bag, path]...], "privacy": true|false,
//    "hardware": [[bag, [settings bag...], [device...]]...], "shapes": [[key...]...]}
//   device: [kind, bag] or, for a camera,
//           [kind, bag, [usage bag...], [[general bag, [stream bag...]]...], client, motion, privacy, [ptz bag...]]
//   (client, motion and privacy are a bag or null; privacy is null too when "privacy" is false)
//
// Values are JSON scalars as the SDK's typed properties give them (GetProperty's string where there is none);
// secrets are never written. Half the characters of a dump with a key per value, and no object per item for
// the decoder to build.
using System;
using System.Collections;
using System.Collections.Generic;
using VideoOS.Platform.ConfigurationItems;

namespace SmartSync.Interop
{
    internal sealed class RecorderDump
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

        private readonly JsonWriter w = new JsonWriter(64 * 1024);
        private readonly Shapes shapes = new Shapes();
        // The keys of the bag being written; one list reused for every bag.
        private readonly List<string> keys = new List<string>(64);
        private readonly bool privacy;
        private readonly bool release;

        public RecorderDump(bool privacy, bool release)
        {
            this.privacy = privacy;
            this.release = release;
        }

        public string Write(IConfigurationItem recorder)
        {
            w.BeginObject();
            w.Key("recorder");
            Bag(recorder, null, Slot.Recorder);
            w.Key("storages");
            Bags(Reader.List(recorder, "StorageFolder", "Storages"), Slot.Storage);
            w.Key("drivers");
            w.BeginArray();
            foreach (object d in Reader.List(recorder, "HardwareDriverFolder", "HardwareDrivers"))
            {
                w.BeginArray();
                Bag(d, null, Slot.Driver);
                w.Value(((IConfigurationItem)d).Path);
                w.EndArray();
            }
            w.EndArray();
            w.Property("privacy", privacy);
            w.Key("hardware");
            w.BeginArray();
            foreach (object h in Reader.List(recorder, "HardwareFolder", "Hardwares"))
            {
                Hardware(h);
                if (release)
                    TypeAccess.Of(h).ClearChildren(h);
            }
            w.EndArray();
            w.Key("shapes");
            shapes.Write(w);
            w.EndObject();
            return w.ToString();
        }

        private void Hardware(object hw)
        {
            w.BeginArray();
            Bag(hw, ItemExtras, Slot.Hardware);
            w.BeginArray();
            foreach (object s in Reader.List(hw, "HardwareDriverSettingsFolder", "HardwareDriverSettings"))
            {
                foreach (object child in Reader.List(s, "HardwareDriverSettingsChildItems"))
                    Settings(Reader.Get(child, "Properties") as ConfigurationApiProperties, Slot.HardwareSettings);
            }
            w.EndArray();
            w.BeginArray();
            foreach (string[] kind in DeviceFolders)
            {
                foreach (object d in Reader.List(hw, kind[1], kind[2]))
                    Device(kind[0], d);
            }
            w.EndArray();
            w.EndArray();
        }

        private void Device(string kind, object device)
        {
            w.BeginArray();
            w.Value(kind);
            Bag(device, ItemExtras, Slot.Device);
            if (kind == "camera")
            {
                w.BeginArray();
                foreach (object s in Reader.List(device, "StreamFolder", "Streams"))
                {
                    // StreamFolder.Streams holds one StreamDefinition whose StreamUsageChildItems are the usages.
                    foreach (object u in Reader.List(s, "StreamUsageChildItems"))
                        Usage(u);
                }
                w.EndArray();
                w.BeginArray();
                foreach (object s in Reader.List(device, "DeviceDriverSettingsFolder", "DeviceDriverSettings"))
                    DriverSettings(s);
                w.EndArray();
                First(Reader.List(device, "ClientSettingsFolder", "ClientSettings"), ClientExtras, Slot.Client);
                First(Reader.List(device, "MotionDetectionFolder", "MotionDetections"), ItemExtras, Slot.Motion);
                if (privacy)
                    First(Reader.List(device, "PrivacyProtectionFolder", "PrivacyProtections"), ItemExtras,
                          Slot.Privacy);
                else
                    w.Value(null);
                Bags(Reader.List(device, "PtzPresetFolder", "PtzPresets"), Slot.Ptz);
            }
            w.EndArray();
        }

        // Driver settings: the general ones in DeviceDriverSettingsChildItem.Properties, one StreamChildItems
        // entry per driver stream, each with its Properties.
        private void DriverSettings(object settings)
        {
            w.BeginArray();
            Settings(Reader.Get(Reader.Get(settings, "DeviceDriverSettingsChildItem"), "Properties")
                     as ConfigurationApiProperties, Slot.DriverGeneral);
            w.BeginArray();
            foreach (object s in Reader.List(settings, "StreamChildItems"))
                Settings(Reader.Get(s, "Properties") as ConfigurationApiProperties, Slot.DriverStream);
            w.EndArray();
            w.EndArray();
        }

        private void Usage(object usage)
        {
            w.BeginArray();
            keys.Clear();
            TypeAccess a = TypeAccess.Of(usage);
            foreach (string k in UsageProperties)
            {
                Func<object, object> g = a.Prop(k).Get;
                if (g == null)
                    continue;
                w.Value(Reader.Value(g, usage));
                keys.Add(k);
            }
            End(Slot.Usage);
        }

        // Key/value settings as the driver reports them: short keys, raw string values; null without a list.
        private void Settings(ConfigurationApiProperties props, Slot slot)
        {
            if (props == null)
            {
                w.Value(null);
                return;
            }
            w.BeginArray();
            keys.Clear();
            foreach (string k in Reader.SettingKeys(props))
            {
                if (Reader.IsSecret(k))
                    continue;
                w.Value(Reader.SettingValue(props, k));
                keys.Add(k);
            }
            End(slot);
        }

        private void First(IEnumerable items, string[] extras, Slot slot)
        {
            foreach (object o in items)
            {
                Bag(o, extras, slot);
                return;
            }
            w.Value(null);
        }

        private void Bags(IEnumerable items, Slot slot)
        {
            w.BeginArray();
            foreach (object o in items)
                Bag(o, null, slot);
            w.EndArray();
        }

        // Every key the item reports, valued through its typed property when it has one (so JSON keeps the
        // SDK's types), else through GetProperty's string; then its Id and the extras where the keys lack them.
        private void Bag(object item, string[] extras, Slot slot)
        {
            w.BeginArray();
            keys.Clear();
            TypeAccess a = TypeAccess.Of(item);
            bool hasId = false;
            int extrasSeen = 0;
            foreach (object key in Reader.Keys(a, item))
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
                w.Value(p.Get != null ? Reader.Value(p.Get, item) : Reader.RawProperty(a, item, k));
                keys.Add(k);
            }
            if (!hasId)
                Typed(a, item, "Id");
            if (extras != null)
            {
                for (int i = 0; i < extras.Length; i++)
                {
                    if ((extrasSeen & (1 << i)) == 0)
                        Typed(a, item, extras[i]);
                }
            }
            End(slot);
        }

        private void Typed(TypeAccess a, object item, string name)
        {
            Prop p = a.Prop(name);
            if (p.Get == null || p.Secret)
                return;
            w.Value(Reader.Value(p.Get, item));
            keys.Add(name);
        }

        private void End(Slot slot)
        {
            w.Value(shapes.Of(slot, keys));
            w.EndArray();
        }
    }
}
