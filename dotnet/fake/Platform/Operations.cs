// What the fake server does for each operation: checks first, then changes the
// document, so a failed operation leaves nothing half-done.
using System;
using System.Collections.Generic;
using System.Globalization;
using FakeMip;
using FakeMip.Json;

namespace VideoOS.Platform.ConfigurationItems
{
    internal static class Operations
    {
        internal static readonly string[] DeviceCollections = { "Cameras", "Microphones", "Speakers", "Metadatas", "InputEvents", "Outputs" };

        // ---- helpers ---------------------------------------------------------------------------

        internal static string NormalizeAddress(string a)
        {
            return (a ?? "").Trim().TrimEnd('/').ToLowerInvariant();
        }

        internal static Entry HardwareWithAddress(SiteStore st, Entry recorder, string address, string exceptId)
        {
            if (recorder == null) return null;
            var arr = recorder.Node.Arr("Hardwares");
            if (arr == null) return null;
            string want = NormalizeAddress(address);
            foreach (var o in arr)
            {
                var n = o as JObj;
                if (n == null || string.Equals(n.Str("Id"), exceptId, StringComparison.OrdinalIgnoreCase)) continue;
                if (NormalizeAddress(n.Str("Address")) == want) return st.Find(n.Str("Id"));
            }
            return null;
        }

        internal static bool StorageOnRecorder(SiteStore st, Entry recorder, string storagePath)
        {
            var s = Resolver.EntryFor(st, storagePath ?? "");
            return s != null && s.Type == "Storage" && s.Parent == recorder;
        }

        internal static string DefaultStoragePath(Entry recorder)
        {
            var arr = recorder.Node.Arr("Storages");
            if (arr == null) return "";
            string first = null;
            foreach (var o in arr)
            {
                var n = o as JObj;
                if (n == null) continue;
                if (first == null) first = "Storage[" + n.Str("Id") + "]";
                if (n.Get("IsDefault") is bool && (bool)n.Get("IsDefault")) return "Storage[" + n.Str("Id") + "]";
            }
            return first ?? "";
        }

        private static string NewId() { return Guid.NewGuid().ToString(); }

        private static string IdOf(string path)
        {
            string t, id;
            return Resolver.Split(path, out t, out id) ? id : path;
        }

        private static Entry Need(SiteStore st, string type, string id, string what)
        {
            var e = st.Find(type, id);
            if (e == null) throw new TaskFailure(what + " " + type + "[" + id + "] no longer exists.");
            return e;
        }

        private static ServerTask NewTask(IConfigurationItem on, string operation, bool writes, Func<SiteStore, ServerTask, string> work, params string[] faultKeys)
        {
            var t = new ServerTask();
            t.Bind(on.sid, "ServerTask", "", on.path, on.ownerType, on.ownerId, null, null, null);
            t.work = work;
            t.writes = writes;
            t.faultKeys.Add(operation);
            foreach (var k in faultKeys) if (!string.IsNullOrEmpty(k)) t.faultKeys.Add(k);
            return t;
        }

        /// <summary>Starts a long operation (one round trip): it finishes after a few UpdateState polls.</summary>
        private static ServerTask Long(IConfigurationItem on, string operation, bool writes, Func<SiteStore, ServerTask, string> work, params string[] faultKeys)
        {
            Sessions.RoundTrip(on.sid);
            var t = NewTask(on, operation, writes, work, faultKeys);
            t.Begin();
            return t;
        }

        /// <summary>Runs a quick operation now (one round trip) and returns its finished task.</summary>
        private static ServerTask Quick(IConfigurationItem on, string operation, Func<SiteStore, ServerTask, string> work, params string[] faultKeys)
        {
            var st = Sessions.RoundTrip(on.sid);
            var t = NewTask(on, operation, true, work, faultKeys);
            t.Complete(st);
            return t;
        }

        private static T NewInvoke<T>(IConfigurationItem on, string name) where T : InvokeServerTask, new()
        {
            var inv = new T();
            inv.Bind(on.sid, name, "", on.path, on.ownerType, on.ownerId, null, null, null);
            return inv;
        }

        // ---- hardware ----------------------------------------------------------------------------

        /// <summary>What the "device" at an address looks like: a copy of any hardware with that address in the world.</summary>
        internal static JObj Probe(string address)
        {
            string want = NormalizeAddress(address);
            foreach (var host in SiteStore.AllHosts())
            {
                var st = SiteStore.Open(host);
                if (st == null) continue;
                lock (st.Lock)
                {
                    try { st.EnsureFresh(); }
                    catch (MIPException) { continue; }
                    foreach (var e in st.All())
                        if (e.Type == "Hardware" && NormalizeAddress(e.Node.Str("Address")) == want) return e.Node.Clone();
                }
            }
            return null;
        }

        internal static ServerTask AddHardware(RecordingServer rec, string address, string driverPath, string user, string password)
        {
            Uri parsed;
            if (string.IsNullOrWhiteSpace(address) || !Uri.TryCreate(address, UriKind.Absolute, out parsed))
                throw new ArgumentMIPException("AddHardware: hardwareAddress must be an absolute URL such as http://10.0.4.17/, not '" + address + "'.");
            if (string.IsNullOrWhiteSpace(driverPath))
                throw new ArgumentMIPException("AddHardware: hardwareDriverPath must be a HardwareDriver[...] path of this recording server.");
            var template = Probe(address);
            string recId = rec.ownerId;
            return Long(rec, "AddHardware", true, (st, task) =>
            {
                var r = Need(st, "RecordingServer", recId, "Recording server");
                var driver = st.DriverOn(r, driverPath);
                if (driver == null)
                    throw new TaskFailure("Hardware driver '" + driverPath + "' does not exist on recording server '" + r.Node.Str("Name") +
                        "'. Pick a driver from that recorder's HardwareDriverFolder.");
                var clash = HardwareWithAddress(st, r, address, null);
                if (clash != null)
                    throw new TaskFailure("Hardware with address " + address + " already exists on recording server '" + r.Node.Str("Name") +
                        "' (hardware '" + clash.Node.Str("Name") + "').");
                var node = NewHardware(r, address, driver, user, password, template);
                r.Node.ArrOrCreate("Hardwares").Add(node);
                st.Reindex();
                return "Hardware[" + node.Str("Id") + "]";
            }, recId);
        }

        private static JObj NewHardware(Entry rec, string address, Entry driver, string user, string password, JObj template)
        {
            string model = template != null && template.Str("Model") != null ? template.Str("Model") : driver.Node.Str("Name");
            Uri u = new Uri(address);
            string name = model + " (" + u.Host + ")";
            var hw = new JObj();
            hw.Set("Id", NewId());
            hw.Set("Name", name);
            hw.Set("Description", "");
            hw.Set("Address", address);
            hw.Set("UserName", user ?? "");
            hw.Set("Password", password ?? "");
            hw.Set("Model", model);
            // A real server adds hardware and its devices disabled; the caller enables what it wants.
            hw.Set("Enabled", false);
            hw.Set("HardwareDriverPath", driver.Path);
            var settings = template == null ? null : template.Obj("HardwareDriverSettings");
            if (settings == null)
            {
                settings = new JObj();
                settings.Set("MacAddress", "");
                settings.Set("SerialNumber", "");
                settings.Set("FirmwareVersion", "");
            }
            hw.Set("HardwareDriverSettings", settings);
            string storage = DefaultStoragePath(rec);
            bool any = false;
            foreach (var coll in DeviceCollections)
            {
                var devices = new List<object>();
                var channels = new List<long>();
                var src = template == null ? null : template.Arr(coll);
                if (src != null)
                    foreach (var o in src) { var d = o as JObj; if (d != null) channels.Add(d.Get("Channel") is long ? (long)d.Get("Channel") : 0); }
                if (template == null && coll == "Cameras") channels.Add(0);
                channels.Sort();
                foreach (var ch in channels)
                {
                    var dev = NewDevice(coll, name, ch, storage);
                    MatchDriverStreams(dev, src, ch);
                    devices.Add(dev);
                    any = true;
                }
                hw.Set(coll, devices);
            }
            if (!any) hw.Set("Cameras", new List<object> { NewDevice("Cameras", name, 0, storage) });
            return hw;
        }

        /// <summary>
        /// Driver settings are what the device itself reports (its driver's keys and its current values), so a
        /// newly added device shows the same ones as the probed device on that channel.
        /// </summary>
        private static void MatchDriverStreams(JObj device, List<object> probed, long channel)
        {
            if (!device.Has("DeviceDriverSettings") || probed == null) return;
            foreach (var o in probed)
            {
                var p = o as JObj;
                if (p == null || !(p.Get("Channel") is long) || (long)p.Get("Channel") != channel) continue;
                var pd = p.Obj("DeviceDriverSettings");
                if (pd != null) device.Set("DeviceDriverSettings", pd.Clone());
                return;
            }
        }

        private static readonly Dictionary<string, string> KindNames = new Dictionary<string, string>
        {
            { "Cameras", "Camera" }, { "Microphones", "Microphone" }, { "Speakers", "Speaker" },
            { "Metadatas", "Metadata" }, { "InputEvents", "Input" }, { "Outputs", "Output" },
        };

        /// <summary>A device as XProtect creates it: default settings, the recorder's default storage.</summary>
        internal static JObj NewDevice(string collection, string hardwareName, long channel, string storage)
        {
            var d = new JObj();
            string name = hardwareName + " - " + KindNames[collection] + " " + (channel + 1).ToString(CultureInfo.InvariantCulture);
            d.Set("Id", NewId());
            d.Set("Name", name);
            d.Set("ShortName", "");
            d.Set("Description", "");
            d.Set("Enabled", false);
            d.Set("Channel", channel);
            if (collection == "InputEvents" || collection == "Outputs") return d;
            if (collection != "Cameras")
            {
                d.Set("RecordingEnabled", true);
                d.Set("RecordingStorage", storage);
                return d;
            }
            d.Set("GisPoint", "POINT EMPTY");
            d.Set("CoverageDirection", 0.0);
            d.Set("CoverageFieldOfView", 0.0);
            d.Set("CoverageDepth", 0.0);
            d.Set("RecordingEnabled", true);
            d.Set("RecordingFramerate", 5.0);
            d.Set("RecordingStorage", storage);
            d.Set("PrebufferEnabled", true);
            d.Set("PrebufferInMemory", true);
            d.Set("PrebufferSeconds", 3L);
            d.Set("EdgeStorageEnabled", false);
            d.Set("RecordKeyframesOnly", false);
            d.Set("ManualRecordingTimeoutEnabled", true);
            d.Set("ManualRecordingTimeoutMinutes", 5L);
            var usage = new JObj();
            usage.Set("StreamReferenceId", "28dc44c3-079e-4c94-8ec9-60363451eb40");
            usage.Set("Name", "Video stream 1");
            usage.Set("LiveDefault", true);
            usage.Set("LiveMode", "WhenNeeded");
            usage.Set("RecordTo", Tracks.Primary);
            usage.Set("DefaultPlayback", true);
            usage.Set("UseEdge", false);
            d.Set("Streams", new List<object> { usage });
            var dds = new JObj();
            dds.Set("General", new JObj());
            var stream = new JObj();
            stream.Set("Codec", "H.264");
            stream.Set("FPS", "30");
            stream.Set("Resolution", "1920x1080");
            dds.Set("Streams", new List<object> { stream });
            d.Set("DeviceDriverSettings", dds);
            var cs = new JObj();
            cs.Set("Related", new List<object>());
            cs.Set("Shortcut", "");
            cs.Set("MulticastEnabled", false);
            d.Set("ClientSettings", cs);
            var md = new JObj();
            md.Set("Enabled", true);
            md.Set("ManualSensitivityEnabled", false);
            md.Set("ManualSensitivity", 100L);
            md.Set("Threshold", 2000L);
            md.Set("KeyframesOnly", true);
            md.Set("ProcessTime", "Ms500");
            md.Set("DetectionMethod", "Fast");
            md.Set("ExcludeRegions", "");
            d.Set("MotionDetection", md);
            var pp = new JObj();
            pp.Set("Enabled", false);
            pp.Set("PrivacyMaskXml", "");
            d.Set("PrivacyProtection", pp);
            d.Set("PtzPresets", new List<object>());
            return d;
        }

        /// <summary>Paths of the hardware and every device under it.</summary>
        private static List<string> PathsUnder(JObj hw)
        {
            var paths = new List<string>();
            foreach (var coll in DeviceCollections)
            {
                var arr = hw.Arr(coll);
                if (arr == null) continue;
                foreach (var o in arr) { var d = o as JObj; if (d != null) paths.Add(KindType(coll) + "[" + d.Str("Id") + "]"); }
            }
            return paths;
        }

        private static string KindType(string collection) { return SiteStore.CollectionTypes[collection]; }

        private static void RemoveMembers(List<object> groups, HashSet<string> paths)
        {
            if (groups == null) return;
            foreach (var o in groups)
            {
                var g = o as JObj;
                if (g == null) continue;
                var members = g.Arr("Members");
                if (members != null) members.RemoveAll(m => m is string && paths.Contains(((string)m).ToLowerInvariant()));
                RemoveMembers(g.Arr("CameraGroups"), paths);
            }
        }

        /// <summary>After a delete, as XProtect does: role permissions, related-camera links and faults that named the
        /// deleted devices go with them, so the document still passes `fakes validate`.</summary>
        private static void ForgetDeleted(SiteStore st, HashSet<string> gonePaths, string hardwareId)
        {
            var roles = st.Doc.Arr("Roles");
            if (roles != null)
                foreach (var o in roles)
                {
                    var perms = (o as JObj) == null ? null : ((JObj)o).Obj("DevicePermissions");
                    if (perms == null) continue;
                    foreach (var key in new List<string>(perms.Keys))
                        if (gonePaths.Contains(key.ToLowerInvariant())) perms.Remove(key);
                }
            foreach (var e in st.All())
            {
                if (e.Type != "Camera") continue;
                var related = e.Node.Obj("ClientSettings") == null ? null : e.Node.Obj("ClientSettings").Arr("Related");
                if (related != null && related.RemoveAll(m => m is string && gonePaths.Contains(((string)m).ToLowerInvariant())) > 0)
                    st.Invalidate(e);
            }
            var goneIds = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { hardwareId };
            foreach (var p in gonePaths) goneIds.Add(p.Substring(p.IndexOf('[') + 1).TrimEnd(']'));
            var faults = st.Faults;
            foreach (var table in new[] { "RejectSave", "FailTask", "NotAuthorized", "TimeoutOnSave" })
            {
                var t = faults == null ? null : faults.Obj(table);
                if (t == null) continue;
                foreach (var key in new List<string>(t.Keys)) if (goneIds.Contains(key)) t.Remove(key);
            }
        }

        internal static ServerTask DeleteHardware(HardwareFolder folder, string hardwarePath)
        {
            if (string.IsNullOrWhiteSpace(hardwarePath)) throw new ArgumentMIPException("DeleteHardware needs a Hardware[...] path.");
            string recId = folder.ownerId;
            return Long(folder, "DeleteHardware", true, (st, task) =>
            {
                var r = Need(st, "RecordingServer", recId, "Recording server");
                var hw = Resolver.EntryFor(st, hardwarePath);
                if (hw == null || hw.Type != "Hardware" || hw.Parent != r)
                    throw new TaskFailure("Hardware '" + hardwarePath + "' is not on recording server '" + r.Node.Str("Name") + "'.");
                var gone = new HashSet<string>();
                foreach (var p in PathsUnder(hw.Node)) gone.Add(p.ToLowerInvariant());
                r.Node.Arr("Hardwares").Remove(hw.Node);
                RemoveMembers(st.Doc.Arr("CameraGroups"), gone);
                ForgetDeleted(st, gone, hw.Id);
                st.Reindex();
                return "";
            }, IdOf(hardwarePath), recId);
        }

        internal static MoveHardwareServerTask MoveHardware(Hardware hw)
        {
            var inv = NewInvoke<MoveHardwareServerTask>(hw, "MoveHardware");
            inv.values.Set("DestinationRecordingServer", "");
            inv.values.Set("DestinationStorage", "");
            inv.values.Set("ignoreSourceRecordingServer", false);
            string hwId = hw.ownerId;
            inv.execute = i =>
            {
                string destPath = i.S("DestinationRecordingServer");
                string destStorage = i.S("DestinationStorage");
                if (string.IsNullOrWhiteSpace(destPath))
                    throw new ArgumentMIPException("MoveHardware: set DestinationRecordingServer to a RecordingServer[...] path before ExecuteDefault().");
                if (string.IsNullOrWhiteSpace(destStorage))
                    throw new ArgumentMIPException("MoveHardware: set DestinationStorage to a Storage[...] path of the destination recording server before ExecuteDefault().");
                return Long(hw, "MoveHardware", true, (st, task) =>
                {
                    var h = Need(st, "Hardware", hwId, "Hardware");
                    var dest = Resolver.EntryFor(st, destPath);
                    if (dest == null || dest.Type != "RecordingServer")
                        throw new TaskFailure("Destination recording server '" + destPath + "' does not exist on this site.");
                    if (dest == h.Parent)
                        throw new TaskFailure("Hardware '" + h.Node.Str("Name") + "' is already on recording server '" + dest.Node.Str("Name") + "'.");
                    var clash = HardwareWithAddress(st, dest, h.Node.Str("Address"), hwId);
                    if (clash != null)
                        throw new TaskFailure("Recording server '" + dest.Node.Str("Name") + "' already has hardware with address " + h.Node.Str("Address") + ".");
                    CheckDriverVersions(st, h, dest);
                    if (!StorageOnRecorder(st, dest, destStorage))
                        throw new TaskFailure("Storage '" + destStorage + "' is not a storage of recording server '" + dest.Node.Str("Name") + "'.");
                    h.Parent.Node.Arr("Hardwares").Remove(h.Node);
                    dest.Node.ArrOrCreate("Hardwares").Add(h.Node);
                    foreach (var coll in DeviceCollections)
                    {
                        var arr = h.Node.Arr(coll);
                        if (arr == null) continue;
                        foreach (var o in arr) { var d = o as JObj; if (d != null && d.Has("RecordingStorage")) d.Set("RecordingStorage", destStorage); }
                    }
                    h.Node.Cached = null;
                    st.Reindex();
                    return "Hardware[" + hwId + "]";
                }, hwId);
            };
            return inv;
        }

        /// <summary>
        /// A driver has one path on every recorder of a site; the server moves hardware only when the
        /// destination has that driver in the same version.
        /// </summary>
        private static void CheckDriverVersions(SiteStore st, Entry hw, Entry dest)
        {
            string driverPath = hw.Node.Str("HardwareDriverPath") ?? "";
            var mine = st.DriverOn(hw.Parent, driverPath);
            var theirs = st.DriverOn(dest, driverPath);
            if (theirs == null)
                throw new TaskFailure("Recording server '" + dest.Node.Str("Name") + "' has no driver " + driverPath +
                    (mine == null ? "" : " ('" + mine.Node.Str("Name") + "')") + "; install the same driver pack there first.");
            string a = mine == null ? "" : mine.Node.Str("DriverVersion") ?? "";
            string b = theirs.Node.Str("DriverVersion") ?? "";
            if (a != b)
                throw new TaskFailure("The driver versions of the recording servers differ ('" + theirs.Node.Str("Name") + "' " + a + " on '" +
                    hw.Parent.Node.Str("Name") + "', " + b + " on '" + dest.Node.Str("Name") + "'); update the driver pack so both run the same version.");
        }

        internal static ServerTask ReadPassword(Hardware hw)
        {
            string hwId = hw.ownerId;
            // The real server answers at once: the task comes back final (MilestonePSTools reads it without polling).
            var st = Sessions.RoundTrip(hw.sid);
            var t = NewTask(hw, "ReadPasswordHardware", false, (s2, task) =>
            {
                var h = Need(s2, "Hardware", hwId, "Hardware");
                task.values.Set("Password", h.Node.Str("Password") ?? "");
                return "Hardware[" + hwId + "]";
            }, hwId);
            t.Complete(st);
            return t;
        }

        internal static ServerTask ChangePassword(Hardware hw, string password, bool onDevice = false)
        {
            if (string.IsNullOrEmpty(password)) throw new ArgumentMIPException("ChangePasswordHardware needs a non-empty password.");
            string hwId = hw.ownerId;
            return Long(hw, "ChangePasswordHardware", true, (st, task) =>
            {
                // Changing the password on the device itself came with XProtect 2023 R2 (23.2).
                if (onDevice && !ConfigurationService.AtLeast(st.VersionText, 23, 2))
                    throw new TaskFailure("Changing the password on the device needs a management server of version 23.2 (2023 R2) or later; this one runs " + st.VersionText + ".");
                var h = Need(st, "Hardware", hwId, "Hardware");
                h.Node.Set("Password", password);
                st.Invalidate(h);
                return "Hardware[" + hwId + "]";
            }, hwId);
        }

        internal static ChangeDeviceRecordingStorageServerTask ChangeStorage(RecordingDevice device)
        {
            var inv = NewInvoke<ChangeDeviceRecordingStorageServerTask>(device, "ChangeDeviceRecordingStorage");
            inv.values.Set("ItemSelection", device.RecordingStorage ?? "");
            inv.values.Set("moveData", false);
            string type = device.ownerType, id = device.ownerId;
            var st0 = Sessions.RoundTrip(device.sid);
            lock (st0.Lock)
            {
                st0.EnsureFresh();
                var d0 = st0.Find(type, id);
                var rec0 = d0 == null ? null : d0.Ancestor("RecordingServer");
                var arr = rec0 == null ? null : rec0.Node.Arr("Storages");
                if (arr != null)
                    foreach (var o in arr) { var n = o as JObj; if (n != null) inv.choices[n.Str("Name") ?? n.Str("Id")] = "Storage[" + n.Str("Id") + "]"; }
            }
            inv.execute = i =>
            {
                string storage = ((ChangeDeviceRecordingStorageServerTask)i).ItemSelection;
                return Long(device, "ChangeDeviceRecordingStorage", true, (st, task) =>
                {
                    var d = Need(st, type, id, "Device");
                    var rec = d.Ancestor("RecordingServer");
                    if (!StorageOnRecorder(st, rec, storage))
                        throw new TaskFailure("Storage '" + storage + "' is not a storage of recording server '" + (rec == null ? "?" : rec.Node.Str("Name")) + "'.");
                    d.Node.Set("RecordingStorage", storage);
                    st.Invalidate(d);
                    return d.Path;
                }, id);
            };
            return inv;
        }

        internal static ServerTask AddStream(StreamDefinition stream)
        {
            string type = stream.ownerType, id = stream.ownerId;
            return Long(stream, "AddStream", true, (st, task) =>
            {
                var cam = Need(st, type, id, "Camera");
                var usages = cam.Node.ArrOrCreate("Streams");
                var u = new JObj();
                u.Set("StreamReferenceId", NewId());
                u.Set("Name", "Video stream " + (usages.Count + 1).ToString(CultureInfo.InvariantCulture));
                u.Set("LiveDefault", false);
                u.Set("LiveMode", "WhenNeeded");
                u.Set("RecordTo", "");
                var refs = new List<string>(stream.ReferenceIds().Values);
                foreach (var o in usages) { var x = o as JObj; if (x != null) refs.Remove(x.Str("StreamReferenceId")); }
                if (refs.Count > 0) u.Set("StreamReferenceId", refs[0]);
                u.Set("DefaultPlayback", false);
                u.Set("UseEdge", false);
                usages.Add(u);
                st.Invalidate(cam);
                return "Stream[" + id + "]";
            }, id);
        }

        internal static ServerTask RemoveStream(StreamDefinition stream, string referenceId)
        {
            if (string.IsNullOrWhiteSpace(referenceId)) throw new ArgumentMIPException("RemoveStream needs the StreamReferenceId of the usage to remove.");
            string type = stream.ownerType, id = stream.ownerId;
            return Long(stream, "RemoveStream", true, (st, task) =>
            {
                var cam = Need(st, type, id, "Camera");
                var usages = cam.Node.Arr("Streams");
                if (usages == null || usages.Count <= 1) throw new TaskFailure("A camera keeps at least one stream.");
                var hit = usages.Find(o => o is JObj && string.Equals(((JObj)o).Str("StreamReferenceId"), referenceId, StringComparison.OrdinalIgnoreCase));
                if (hit == null) throw new TaskFailure("Camera '" + cam.Node.Str("Name") + "' has no stream " + referenceId + ".");
                usages.Remove(hit);
                st.Invalidate(cam);
                return "Stream[" + id + "]";
            }, id);
        }

        // ---- PTZ presets ------------------------------------------------------------------------------

        private static void CheckPosition(string what, double v, double min)
        {
            if (double.IsNaN(v) || v < min || v > 1.0)
                throw new ArgumentMIPException("AddPtzPreset: " + what + " must be between " + min.ToString(CultureInfo.InvariantCulture) + " and 1, not " + v.ToString(CultureInfo.InvariantCulture) + ".");
        }

        internal static ServerTask AddPtzPreset(PtzPresetFolder folder, string name, string description, double pan, double tilt, double zoom)
        {
            CheckName(name, "AddPtzPreset");
            CheckPosition("pan", pan, -1.0);
            CheckPosition("tilt", tilt, -1.0);
            CheckPosition("zoom", zoom, 0.0);
            string ot = folder.ownerType, oid = folder.ownerId;
            return Quick(folder, "AddPtzPreset", (st, task) =>
            {
                var cam = Need(st, ot, oid, "Camera");
                var list = cam.Node.ArrOrCreate("PtzPresets");
                if (SiblingNamed(list, name) != null) throw new TaskFailure("Camera '" + cam.Node.Str("Name") + "' already has a PTZ preset named '" + name + "'.");
                var p = new JObj();
                p.Set("Id", NewId());
                p.Set("Name", name);
                p.Set("Description", description ?? "");
                p.Set("DefaultPreset", false);
                p.Set("Pan", pan);
                p.Set("Tilt", tilt);
                p.Set("Zoom", zoom);
                list.Add(p);
                st.Reindex();
                st.Invalidate(cam);
                return "PtzPreset[" + p.Str("Id") + "]";
            }, oid);
        }

        internal static ServerTask RemovePtzPreset(PtzPresetFolder folder, string path)
        {
            if (string.IsNullOrWhiteSpace(path)) throw new ArgumentMIPException("RemovePtzPreset needs a PtzPreset[...] path.");
            string ot = folder.ownerType, oid = folder.ownerId;
            return Quick(folder, "RemovePtzPreset", (st, task) =>
            {
                var cam = Need(st, ot, oid, "Camera");
                var e = Resolver.EntryFor(st, path);
                if (e == null || e.Type != "PtzPreset" || e.Parent != cam)
                    throw new TaskFailure("PTZ preset '" + path + "' is not a preset of camera '" + cam.Node.Str("Name") + "'.");
                cam.Node.Arr("PtzPresets").Remove(e.Node);
                st.Reindex();
                st.Invalidate(cam);
                return "";
            }, IdOf(path));
        }

        // ---- device groups -------------------------------------------------------------------------

        internal static List<T> GroupMembers<T>(IConfigurationItem folder, SiteStore st, Entry group, string type) where T : IConfigurationItem, new()
        {
            var result = new List<T>();
            var members = group.Node.Arr("Members");
            if (members == null) return result;
            foreach (var m in members)
            {
                var e = Resolver.EntryFor(st, m as string ?? "");
                if (e != null && e.Type == type) result.Add(Resolver.MakeIndexed<T>(folder.sid, e, folder.Effective));
            }
            return result;
        }

        private static void CheckName(string name, string what)
        {
            if (string.IsNullOrWhiteSpace(name)) throw new ArgumentMIPException(what + ": the name must not be empty.");
        }

        private static JObj SiblingNamed(List<object> siblings, string name)
        {
            if (siblings == null) return null;
            foreach (var o in siblings) { var n = o as JObj; if (n != null && string.Equals(n.Str("Name"), name, StringComparison.OrdinalIgnoreCase)) return n; }
            return null;
        }

        internal static ServerTask AddDeviceGroup(CameraGroupFolder folder, string name, string description)
        {
            CheckName(name, "AddDeviceGroup");
            string ot = folder.ownerType, oid = folder.ownerId;
            return Quick(folder, "AddDeviceGroup", (st, task) =>
            {
                var owner = Need(st, ot, oid, "Owner");
                var list = st.ContainerOf(owner).ArrOrCreate("CameraGroups");
                if (SiblingNamed(list, name) != null) throw new TaskFailure("A device group named '" + name + "' already exists here.");
                var g = new JObj();
                g.Set("Id", NewId());
                g.Set("Name", name);
                g.Set("Description", description ?? "");
                g.Set("Members", new List<object>());
                g.Set("CameraGroups", new List<object>());
                list.Add(g);
                st.Reindex();
                return "CameraGroup[" + g.Str("Id") + "]";
            }, oid);
        }

        private static Entry GroupOf(SiteStore st, IConfigurationItem folder)
        {
            if (folder.ownerType != "CameraGroup")
                throw new TaskFailure("Members can only be added to or removed from a device group's CameraFolder.");
            return Need(st, "CameraGroup", folder.ownerId, "Device group");
        }

        internal static ServerTask AddGroupMember(CameraFolder folder, string path)
        {
            if (folder.ownerType != "CameraGroup") throw new NotSupportedMIPException("AddDeviceGroupMember works on a device group's CameraFolder, not on " + folder.path + ".");
            if (string.IsNullOrWhiteSpace(path)) throw new ArgumentMIPException("AddDeviceGroupMember needs a Camera[...] path.");
            return Quick(folder, "AddDeviceGroupMember", (st, task) =>
            {
                var g = GroupOf(st, folder);
                var cam = Resolver.EntryFor(st, path);
                if (cam == null || cam.Type != "Camera") throw new TaskFailure("Camera '" + path + "' does not exist on this site.");
                var members = g.Node.ArrOrCreate("Members");
                foreach (var m in members) if (string.Equals(m as string, cam.Path, StringComparison.OrdinalIgnoreCase)) return cam.Path;
                members.Add(cam.Path);
                return cam.Path;
            }, folder.ownerId);
        }

        internal static ServerTask RemoveGroupMember(CameraFolder folder, string path)
        {
            if (folder.ownerType != "CameraGroup") throw new NotSupportedMIPException("RemoveDeviceGroupMember works on a device group's CameraFolder, not on " + folder.path + ".");
            return Quick(folder, "RemoveDeviceGroupMember", (st, task) =>
            {
                var g = GroupOf(st, folder);
                var members = g.Node.Arr("Members");
                int removed = members == null ? 0 : members.RemoveAll(m => string.Equals(m as string, path, StringComparison.OrdinalIgnoreCase));
                if (removed == 0) throw new TaskFailure("'" + path + "' is not a member of device group '" + g.Node.Str("Name") + "'.");
                return path;
            }, folder.ownerId);
        }

        /// <summary>Removes an empty device group. Without the RemoveMembers option (absent before about 2019, and
        /// never set by SmartSync) the server keeps a group that still holds devices or subgroups: the caller
        /// empties it first, as MilestonePSTools does.</summary>
        internal static ServerTask RemoveDeviceGroup(CameraGroupFolder folder, string path)
        {
            if (string.IsNullOrWhiteSpace(path)) throw new ArgumentMIPException("RemoveDeviceGroup needs a CameraGroup[...] path.");
            string ot = folder.ownerType, oid = folder.ownerId;
            return Quick(folder, "RemoveDeviceGroup", (st, task) =>
            {
                var owner = Need(st, ot, oid, "Owner");
                var e = Resolver.EntryFor(st, path);
                if (e == null || e.Type != "CameraGroup" || e.Parent != owner)
                    throw new TaskFailure("Device group '" + path + "' is not in " + folder.path + ".");
                var members = e.Node.Arr("Members");
                var sub = e.Node.Arr("CameraGroups");
                if ((members != null && members.Count > 0) || (sub != null && sub.Count > 0))
                    throw new TaskFailure("Device group '" + e.Node.Str("Name") + "' is not empty; remove its members and subgroups first.");
                st.ContainerOf(owner).Arr("CameraGroups").Remove(e.Node);
                st.Reindex();
                return "";
            }, IdOf(path));
        }

        /// <summary>Removes a child item (group, user, view) that lives directly in the folder owner's collection.</summary>
        internal static ServerTask RemoveItem(IConfigurationItem folder, string path, string type, string collection, bool recurseAllowed)
        {
            if (string.IsNullOrWhiteSpace(path)) throw new ArgumentMIPException("Remove needs a " + type + "[...] path.");
            string ot = folder.ownerType, oid = folder.ownerId;
            return Quick(folder, "Remove" + type, (st, task) =>
            {
                var owner = Need(st, ot, oid, "Owner");
                var e = Resolver.EntryFor(st, path);
                if (e == null || e.Type != type || e.Parent != owner)
                    throw new TaskFailure(type + " '" + path + "' is not in " + folder.path + ".");
                st.ContainerOf(owner).Arr(collection).Remove(e.Node);
                st.Reindex();
                return "";
            }, IdOf(path));
        }

        // ---- roles -----------------------------------------------------------------------------------

        internal static ServerTask AddRole(RoleFolder folder, string name, string description, bool dual, bool anonymousPtz,
                                           bool mobile, bool smart, bool web, string defaultTimeProfile, string logOnTimeProfile)
        {
            CheckName(name, "AddRole");
            return Quick(folder, "AddRole", (st, task) =>
            {
                var roles = st.Doc.ArrOrCreate("Roles");
                if (SiblingNamed(roles, name) != null) throw new TaskFailure("A role named '" + name + "' already exists.");
                var r = new JObj();
                r.Set("Id", NewId());
                r.Set("Name", name);
                r.Set("Description", description ?? "");
                r.Set("RoleType", "UserDefined");
                r.Set("AllowSmartClientLogOn", smart);
                r.Set("AllowWebClientLogOn", web);
                r.Set("AllowMobileClientLogOn", mobile);
                r.Set("DualAuthorizationRequired", dual);
                r.Set("MakeUsersAnonymousDuringPTZSession", anonymousPtz);
                r.Set("Users", new List<object>());
                r.Set("OverallSecurity", new JObj());
                r.Set("DevicePermissions", new JObj());
                roles.Add(r);
                // XProtect gives every new role a view group of its own, named after it.
                var viewGroups = st.Doc.ArrOrCreate("ViewGroups");
                if (SiblingNamed(viewGroups, name) == null)
                {
                    var g = new JObj();
                    g.Set("Id", NewId());
                    g.Set("Name", name);
                    g.Set("Description", "");
                    g.Set("ViewGroups", new List<object>());
                    g.Set("Views", new List<object>());
                    viewGroups.Add(g);
                }
                st.Reindex();
                return "Role[" + r.Str("Id") + "]";
            });
        }

        internal static ServerTask RemoveRole(RoleFolder folder, string path)
        {
            if (string.IsNullOrWhiteSpace(path)) throw new ArgumentMIPException("RemoveRole needs a Role[...] path.");
            return Quick(folder, "RemoveRole", (st, task) =>
            {
                var e = Resolver.EntryFor(st, path);
                if (e == null || e.Type != "Role") throw new TaskFailure("Role '" + path + "' does not exist.");
                if (e.Node.Str("RoleType") == "Adminstrative") throw new TaskFailure("The built-in administrators role cannot be removed.");
                st.Doc.Arr("Roles").Remove(e.Node);
                st.Reindex();
                return "";
            }, IdOf(path));
        }

        internal static ServerTask AddRoleMember(UserFolder folder, string sidText)
        {
            if (string.IsNullOrWhiteSpace(sidText)) throw new ArgumentMIPException("AddRoleMember needs the member's SID.");
            string roleId = folder.ownerId;
            return Quick(folder, "AddRoleMember", (st, task) =>
            {
                var role = Need(st, "Role", roleId, "Role");
                var users = role.Node.ArrOrCreate("Users");
                foreach (var o in users)
                {
                    var u = o as JObj;
                    if (u != null && string.Equals(u.Str("Sid"), sidText, StringComparison.OrdinalIgnoreCase)) return "User[" + u.Str("Id") + "]";
                }
                var n = new JObj();
                n.Set("Id", NewId());
                n.Set("Sid", sidText);
                n.Set("IdentityType", sidText.StartsWith("S-1-", StringComparison.OrdinalIgnoreCase) ? "WindowsUser" : "BasicUser");
                n.Set("DisplayName", sidText);
                n.Set("AccountName", sidText);
                n.Set("Domain", "");
                users.Add(n);
                st.Reindex();
                return "User[" + n.Str("Id") + "]";
            }, roleId);
        }

        private static readonly string[] PermissionValues = { "Allow", "Deny", "None" };

        /// <summary>The security namespaces of XProtect that carry overall permissions (their ids are the same on every
        /// server, as on a real one); a namespace a world names that is not here is served too.</summary>
        private static readonly string[] StandardNamespaces = {
            "Management Server", "Recording Servers", "Hardware", "Cameras", "Microphones", "Speakers", "Metadata",
            "Input", "Output", "View Groups",
        };

        internal static string NamespaceId(string name)
        {
            using (var md5 = System.Security.Cryptography.MD5.Create())
                return new Guid(md5.ComputeHash(System.Text.Encoding.UTF8.GetBytes("SecurityNamespace/" + name))).ToString();
        }

        private static List<string> NamespaceNames(SiteStore st)
        {
            var names = new List<string>(StandardNamespaces);
            var roles = st.Doc.Arr("Roles");
            if (roles != null)
                foreach (var o in roles)
                {
                    var t = (o as JObj) == null ? null : ((JObj)o).Obj("OverallSecurity");
                    if (t != null) foreach (var k in t.Keys) if (!names.Contains(k)) names.Add(k);
                }
            return names;
        }

        internal static ChangeOverallSecurityPermissionsServerTask SecurityNamespaces(Role role)
        {
            var st = Sessions.RoundTrip(role.sid);
            var inv = NewInvoke<ChangeOverallSecurityPermissionsServerTask>(role, "ChangeOverallSecurityPermissions");
            lock (st.Lock)
            {
                st.EnsureFresh();
                var r = st.Find("Role", role.ownerId);
                if (r == null) throw new PathNotFoundMIPException("Role " + role.path + " no longer exists.");
                if (r.Node.Str("RoleType") != "UserDefined")
                    throw new ArgumentMIPException("Overall security does not apply to the built-in administrators role.");
                foreach (var name in NamespaceNames(st)) inv.namespaces[name] = NamespaceId(name);
            }
            inv.execute = i => { throw new ArgumentMIPException("Name a security namespace: ChangeOverallSecurityPermissions(id)."); };
            return inv;
        }

        /// <summary>
        /// An invoke task holding a role's permissions on one key (a device path, or a security namespace);
        /// ExecuteDefault writes them back. Device permissions are asked for on the device, overall ones on the role.
        /// </summary>
        internal static T Permissions<T>(IConfigurationItem on, string rolePath, string table, string key) where T : InvokeServerTask, new()
        {
            if (string.IsNullOrWhiteSpace(key)) throw new ArgumentMIPException("Permissions need an item path or security namespace.");
            if (string.IsNullOrWhiteSpace(rolePath)) throw new ArgumentMIPException("Permissions need a Role[...] path.");
            var st = Sessions.RoundTrip(on.sid);
            var inv = NewInvoke<T>(on, table == "OverallSecurity" ? "ChangeOverallSecurityPermissions" : "ChangeSecurityPermissions");
            inv.openKeys = true;
            string roleId = IdOf(rolePath);
            lock (st.Lock)
            {
                st.EnsureFresh();
                var r = st.Find("Role", roleId);
                if (r == null) throw new PathNotFoundMIPException("Role " + rolePath + " does not exist on " + on.sid.Uri + ".");
                if (table != "OverallSecurity" && Resolver.EntryFor(st, key) == null)
                    throw new PathNotFoundMIPException("Item '" + key + "' does not exist on " + on.sid.Uri + ".");
                if (table == "OverallSecurity")
                {
                    // Asked for by id, as on a real server; the world keeps overall permissions by namespace name.
                    string name = null;
                    foreach (var n in NamespaceNames(st)) if (string.Equals(NamespaceId(n), key, StringComparison.OrdinalIgnoreCase)) name = n;
                    if (name == null) throw new ArgumentMIPException("'" + key + "' is not a security namespace id of " + on.sid.Uri + ".");
                    if (r.Node.Str("RoleType") != "UserDefined")
                        throw new ArgumentMIPException("Overall security does not apply to the built-in administrators role.");
                    key = name;
                }
                var t = r.Node.Obj(table);
                var current = t == null ? null : t.Obj(key);
                if (current != null) foreach (var kv in current.Pairs()) inv.values.Set(kv.Key, kv.Value);
                // The real invoke names the role it is for; it is not a permission.
                if (table != "OverallSecurity") inv.values.Set("UserPath", rolePath);
            }
            inv.execute = i => Quick(on, inv.itemType, (s, task) =>
            {
                var r = Need(s, "Role", roleId, "Role");
                var perms = new JObj();
                foreach (var kv in i.values.Pairs())
                {
                    if (kv.Key == "UserPath") continue;
                    string v = kv.Value as string;
                    if (Array.IndexOf(PermissionValues, v) < 0)
                        throw new TaskFailure("Permission '" + kv.Key + "' must be Allow, Deny or None, not '" + kv.Value + "'.");
                    perms.Set(kv.Key, v);
                }
                var t = r.Node.Obj(table);
                if (t == null) { t = new JObj(); r.Node.Set(table, t); }
                t.Set(key, perms);
                return "Role[" + roleId + "]";
            }, roleId);
            return inv;
        }

        // ---- views -----------------------------------------------------------------------------------

        internal static ServerTask AddViewGroup(ViewGroupFolder folder, string name, string description)
        {
            CheckName(name, "AddViewGroup");
            string ot = folder.ownerType, oid = folder.ownerId;
            return Quick(folder, "AddViewGroup", (st, task) =>
            {
                var owner = Need(st, ot, oid, "Owner");
                var list = st.ContainerOf(owner).ArrOrCreate("ViewGroups");
                if (SiblingNamed(list, name) != null) throw new TaskFailure("A view group named '" + name + "' already exists here.");
                var g = new JObj();
                g.Set("Id", NewId());
                g.Set("Name", name);
                g.Set("Description", description ?? "");
                g.Set("ViewGroups", new List<object>());
                g.Set("Views", new List<object>());
                list.Add(g);
                st.Reindex();
                return "ViewGroup[" + g.Str("Id") + "]";
            }, oid);
        }

        internal static ServerTask RemoveViewGroup(ViewGroupFolder folder, bool recurse, string path)
        {
            if (string.IsNullOrWhiteSpace(path)) throw new ArgumentMIPException("RemoveViewGroup needs a ViewGroup[...] path.");
            string ot = folder.ownerType, oid = folder.ownerId;
            return Quick(folder, "RemoveViewGroup", (st, task) =>
            {
                var owner = Need(st, ot, oid, "Owner");
                var e = Resolver.EntryFor(st, path);
                if (e == null || e.Type != "ViewGroup" || e.Parent != owner) throw new TaskFailure("View group '" + path + "' is not in " + folder.path + ".");
                var sub = e.Node.Arr("ViewGroups");
                var views = e.Node.Arr("Views");
                if (!recurse && ((sub != null && sub.Count > 0) || (views != null && views.Count > 0)))
                    throw new TaskFailure("View group '" + e.Node.Str("Name") + "' is not empty; remove it with recurse=true.");
                st.ContainerOf(owner).Arr("ViewGroups").Remove(e.Node);
                // As XProtect does: the roles' permissions on the group go with it.
                var roles = st.Doc.Arr("Roles");
                if (roles != null)
                    foreach (var o in roles)
                    {
                        var perms = (o as JObj) == null ? null : ((JObj)o).Obj("ViewGroupPermissions");
                        if (perms != null) perms.Remove("ViewGroup[" + e.Node.Str("Id") + "]");
                    }
                st.Reindex();
                return "";
            }, IdOf(path));
        }

        private static int CountViewItems(string layout)
        {
            int n = 0, at = 0;
            while ((at = (layout ?? "").IndexOf("<ViewItem", at, StringComparison.Ordinal)) >= 0)
            {
                at += 9;
                if (at < layout.Length && (layout[at] == '>' || layout[at] == ' ' || layout[at] == '/')) n++;
            }
            return n;
        }

        internal static AddViewServerTask AddView(ViewFolder folder, string layoutXml)
        {
            if (folder.ownerType != "ViewGroup") throw new NotSupportedMIPException("Views live in view groups; " + folder.path + " is not a view group's ViewFolder.");
            var inv = NewInvoke<AddViewServerTask>(folder, "AddView");
            inv.values.Set("Name", "");
            inv.values.Set("Description", "");
            inv.values.Set("Shortcut", "");
            string groupId = folder.ownerId;
            inv.execute = i =>
            {
                string name = i.S("Name");
                CheckName(name, "AddView");
                return Quick(folder, "AddView", (st, task) =>
                {
                    var g = Need(st, "ViewGroup", groupId, "View group");
                    if (g.Parent == null || g.Parent.Type != "ViewGroup")
                        throw new TaskFailure("Views live in sub-groups; view group '" + g.Node.Str("Name") + "' is a top-level group.");
                    var list = g.Node.ArrOrCreate("Views");
                    var v = new JObj();
                    v.Set("Id", NewId());
                    v.Set("Name", name);
                    v.Set("Description", i.S("Description") ?? "");
                    v.Set("LayoutViewItems", layoutXml ?? "");
                    v.Set("Shortcut", i.S("Shortcut") ?? "");
                    var items = new List<object>();
                    for (int k = 0; k < CountViewItems(layoutXml); k++)
                    {
                        var it = new JObj();
                        it.Set("ViewItemDefinitionXml", "<viewitem type=\"VideoOS.RemoteClient.Application.Data.ContentTypes.EmptyContentType\" />");
                        items.Add(it);
                    }
                    v.Set("ViewItems", items);
                    list.Add(v);
                    st.Reindex();
                    return "View[" + v.Str("Id") + "]";
                }, groupId);
            };
            return inv;
        }
    }
}
