// Configuration item classes with the real SDK's names and typed properties.
using System;
using System.Collections.Generic;
using FakeMip;
using FakeMip.Json;
using VideoOS.ConfigurationApi.ClientService;

namespace VideoOS.Platform.ConfigurationItems
{
    public class ManagementServer : IConfigurationItem
    {
        public ManagementServer() { }
        public ManagementServer(ServerId serverId) { InitFromPath(serverId, "/", "ManagementServer"); }
        public ManagementServer(FQID fqid) : this(fqid == null ? null : fqid.ServerId) { }

        public string Version { get { return S("Version"); } }
        public string ComputerName { get { return S("ComputerName"); } }
        public string HostName { get { return S("HostName"); } }

        public RecordingServerFolder RecordingServerFolder { get { return Folder<RecordingServerFolder>("RecordingServerFolder"); } }
        public CameraGroupFolder CameraGroupFolder { get { return Folder<CameraGroupFolder>("CameraGroupFolder"); } }
        public RoleFolder RoleFolder { get { return Folder<RoleFolder>("RoleFolder"); } }
        public ViewGroupFolder ViewGroupFolder { get { return Folder<ViewGroupFolder>("ViewGroupFolder"); } }
        public BasicUserFolder BasicUserFolder { get { return Folder<BasicUserFolder>("BasicUserFolder"); } }
        public TimeProfileFolder TimeProfileFolder { get { return Folder<TimeProfileFolder>("TimeProfileFolder"); } }
    }

    public class RecordingServer : IConfigurationItem
    {
        public RecordingServer() { }
        public RecordingServer(ServerId serverId, string path) { InitFromPath(serverId, path, "RecordingServer"); }

        public string HostName { get { return S("HostName"); } set { Put("HostName", value); } }
        public string WebServerUri { get { return S("WebServerUri"); } set { Put("WebServerUri", value); } }
        public string TimeZoneName { get { return S("TimeZoneName"); } set { Put("TimeZoneName", value); } }

        public HardwareFolder HardwareFolder { get { return Folder<HardwareFolder>("HardwareFolder"); } }
        public HardwareDriverFolder HardwareDriverFolder { get { return Folder<HardwareDriverFolder>("HardwareDriverFolder"); } }
        public StorageFolder StorageFolder { get { return Folder<StorageFolder>("StorageFolder"); } }

        public ServerTask AddHardware(string hardwareAddress, string hardwareDriverPath, string userName, string password)
        {
            Require();
            return Operations.AddHardware(this, hardwareAddress, hardwareDriverPath, userName, password);
        }
    }

    public class Storage : IConfigurationItem
    {
        public Storage() { }
        public Storage(ServerId serverId, string path) { InitFromPath(serverId, path, "Storage"); }

        public string DiskPath { get { return S("DiskPath"); } set { Put("DiskPath", value); } }
        public int RetainMinutes { get { return I("RetainMinutes"); } set { Put("RetainMinutes", value); } }
        public int MaxSize { get { return I("MaxSize"); } set { Put("MaxSize", value); } }
        public bool IsDefault { get { return B("IsDefault"); } }
    }

    public class HardwareDriver : IConfigurationItem
    {
        public HardwareDriver() { }
        public HardwareDriver(ServerId serverId, string path) { InitFromPath(serverId, path, "HardwareDriver"); }

        public int Number { get { return I("Number"); } }
        public string DriverType { get { return S("DriverType"); } }
        /// <summary>Version of the driver as installed on this recorder (driver packs differ between recorders).</summary>
        public string DriverVersion { get { return S("DriverVersion") ?? ""; } }
        public string DriverRevision { get { return S("DriverRevision") ?? ""; } }
    }

    public class Hardware : IConfigurationItem
    {
        public Hardware() { }
        public Hardware(ServerId serverId, string path) { InitFromPath(serverId, path, "Hardware"); }

        public string Address { get { return S("Address"); } set { Put("Address", value); } }
        public string UserName { get { return S("UserName"); } set { Put("UserName", value); } }
        public string Model { get { return S("Model"); } }
        public bool Enabled { get { return B("Enabled"); } set { Put("Enabled", value); } }
        public string HardwareDriverPath { get { return S("HardwareDriverPath"); } }

        public CameraFolder CameraFolder { get { return Folder<CameraFolder>("CameraFolder"); } }
        public MicrophoneFolder MicrophoneFolder { get { return Folder<MicrophoneFolder>("MicrophoneFolder"); } }
        public SpeakerFolder SpeakerFolder { get { return Folder<SpeakerFolder>("SpeakerFolder"); } }
        public MetadataFolder MetadataFolder { get { return Folder<MetadataFolder>("MetadataFolder"); } }
        public InputEventFolder InputEventFolder { get { return Folder<InputEventFolder>("InputEventFolder"); } }
        public OutputFolder OutputFolder { get { return Folder<OutputFolder>("OutputFolder"); } }
        public HardwareDriverSettingsFolder HardwareDriverSettingsFolder { get { return Folder<HardwareDriverSettingsFolder>("HardwareDriverSettingsFolder"); } }

        public ServerTask ReadPasswordHardware() { Require(); return Operations.ReadPassword(this); }
        public ServerTask ChangePasswordHardware(string newPassword) { Require(); return Operations.ChangePassword(this, newPassword); }

        /// <summary>Changes the password the recorder uses and, with updateDevice, the one on the device (VMS 23.2+).</summary>
        public ServerTask ChangePasswordHardware(System.Security.SecureString newPassword, bool updateDevice)
        {
            Require();
            if (newPassword == null) throw new ArgumentMIPException("ChangePasswordHardware needs a password.");
            var ptr = System.Runtime.InteropServices.Marshal.SecureStringToGlobalAllocUnicode(newPassword);
            string plain;
            try { plain = System.Runtime.InteropServices.Marshal.PtrToStringUni(ptr); }
            finally { System.Runtime.InteropServices.Marshal.ZeroFreeGlobalAllocUnicode(ptr); }
            return Operations.ChangePassword(this, plain, updateDevice);
        }
        public MoveHardwareServerTask MoveHardware() { Require(); return Operations.MoveHardware(this); }

        internal override void Validate(SiteStore st, ValidateResult vr)
        {
            base.Validate(st, vr);
            if (!dirty.Contains("Address")) return;
            var me = st.Find("Hardware", ownerId);
            var clash = me == null ? null : Operations.HardwareWithAddress(st, me.Parent, Address, ownerId);
            if (clash != null)
                vr.AddError("Address", "Hardware '" + clash.Node.Str("Name") + "' on this recording server already uses the address " + Address + ".", "VMO60022");
        }
    }

    /// <summary>Shared shape of cameras, microphones, speakers, metadata, inputs and outputs.</summary>
    public class DeviceItem : IConfigurationItem
    {
        public string ShortName { get { return S("ShortName"); } set { Put("ShortName", value); } }
        public bool Enabled { get { return B("Enabled"); } set { Put("Enabled", value); } }
        public int Channel { get { return I("Channel"); } }

        /// <summary>A role's permissions on this device (read them, change them, ExecuteDefault).</summary>
        public ChangeSecurityPermissionsServerTask ChangeSecurityPermissions(string rolePath)
        {
            Require();
            return Operations.Permissions<ChangeSecurityPermissionsServerTask>(this, rolePath, "DevicePermissions", path);
        }

        internal override void Validate(SiteStore st, ValidateResult vr)
        {
            base.Validate(st, vr);
            if (!values.Has("RecordingStorage")) return;
            var storage = S("RecordingStorage");
            var me = st.Find(itemType, ownerId);
            var rec = me == null ? null : me.Ancestor("RecordingServer");
            if (rec != null && !Operations.StorageOnRecorder(st, rec, storage))
                vr.AddError("RecordingStorage", "Storage '" + storage + "' is not a storage of recording server '" + rec.Node.Str("Name") + "'.", "VMO60031");
        }
    }

    /// <summary>A device that records (camera, microphone, speaker, metadata).</summary>
    public class RecordingDevice : DeviceItem
    {
        public bool RecordingEnabled { get { return B("RecordingEnabled"); } set { Put("RecordingEnabled", value); } }
        public string RecordingStorage { get { return S("RecordingStorage"); } }

        public ChangeDeviceRecordingStorageServerTask ChangeDeviceRecordingStorage() { Require(); return Operations.ChangeStorage(this); }
    }

    public class Camera : RecordingDevice
    {
        public Camera() { }
        public Camera(ServerId serverId, string path) { InitFromPath(serverId, path, "Camera"); }

        public string GisPoint { get { return S("GisPoint"); } set { Put("GisPoint", value); } }
        public bool PrebufferEnabled { get { return B("PrebufferEnabled"); } set { Put("PrebufferEnabled", value); } }
        public bool PrebufferInMemory { get { return B("PrebufferInMemory"); } set { Put("PrebufferInMemory", value); } }
        public bool EdgeStorageEnabled { get { return B("EdgeStorageEnabled"); } set { Put("EdgeStorageEnabled", value); } }
        public bool EdgeStoragePlaybackEnabled { get { return B("EdgeStoragePlaybackEnabled"); } set { Put("EdgeStoragePlaybackEnabled", value); } }
        public bool RecordOnRelatedDevices { get { return B("RecordOnRelatedDevices"); } set { Put("RecordOnRelatedDevices", value); } }
        public bool RecordKeyframesOnly { get { return B("RecordKeyframesOnly"); } set { Put("RecordKeyframesOnly", value); } }
        public bool ManualRecordingTimeoutEnabled { get { return B("ManualRecordingTimeoutEnabled"); } set { Put("ManualRecordingTimeoutEnabled", value); } }
        public double RecordingFramerate { get { return D("RecordingFramerate"); } set { Put("RecordingFramerate", value); } }
        public double CoverageDirection { get { return D("CoverageDirection"); } set { Put("CoverageDirection", value); } }
        public double CoverageFieldOfView { get { return D("CoverageFieldOfView"); } set { Put("CoverageFieldOfView", value); } }
        public double CoverageDepth { get { return D("CoverageDepth"); } set { Put("CoverageDepth", value); } }
        public int PrebufferSeconds { get { return I("PrebufferSeconds"); } set { Put("PrebufferSeconds", value); } }
        public int ManualRecordingTimeoutMinutes { get { return I("ManualRecordingTimeoutMinutes"); } set { Put("ManualRecordingTimeoutMinutes", value); } }

        public StreamFolder StreamFolder { get { return Folder<StreamFolder>("StreamFolder"); } }
        public DeviceDriverSettingsFolder DeviceDriverSettingsFolder { get { return Folder<DeviceDriverSettingsFolder>("DeviceDriverSettingsFolder"); } }
        public ClientSettingsFolder ClientSettingsFolder { get { return Folder<ClientSettingsFolder>("ClientSettingsFolder"); } }
        public MotionDetectionFolder MotionDetectionFolder { get { return Folder<MotionDetectionFolder>("MotionDetectionFolder"); } }
        public PrivacyProtectionFolder PrivacyProtectionFolder { get { return Folder<PrivacyProtectionFolder>("PrivacyProtectionFolder"); } }
        public PtzPresetFolder PtzPresetFolder { get { return Folder<PtzPresetFolder>("PtzPresetFolder"); } }

        internal override void Validate(SiteStore st, ValidateResult vr)
        {
            base.Validate(st, vr);
            if (values.Has("RecordingFramerate") && RecordingFramerate < 0)
                vr.AddError("RecordingFramerate", "The recording frame rate must not be negative (got " + Text(values.Get("RecordingFramerate")) + ").", "VMO60040");
        }
    }

    public class Microphone : RecordingDevice
    {
        public Microphone() { }
        public Microphone(ServerId serverId, string path) { InitFromPath(serverId, path, "Microphone"); }
    }

    public class Speaker : RecordingDevice
    {
        public Speaker() { }
        public Speaker(ServerId serverId, string path) { InitFromPath(serverId, path, "Speaker"); }
    }

    public class Metadata : RecordingDevice
    {
        public Metadata() { }
        public Metadata(ServerId serverId, string path) { InitFromPath(serverId, path, "Metadata"); }
    }

    public class InputEvent : DeviceItem
    {
        public InputEvent() { }
        public InputEvent(ServerId serverId, string path) { InitFromPath(serverId, path, "InputEvent"); }
    }

    public class Output : DeviceItem
    {
        public Output() { }
        public Output(ServerId serverId, string path) { InitFromPath(serverId, path, "Output"); }
    }

    public class PtzPreset : IConfigurationItem
    {
        public PtzPreset() { }
        public PtzPreset(ServerId serverId, string path) { InitFromPath(serverId, path, "PtzPreset"); }

        public bool DefaultPreset { get { return B("DefaultPreset"); } set { Put("DefaultPreset", value); } }
        public double Pan { get { return D("Pan"); } set { Put("Pan", value); } }
        public double Tilt { get { return D("Tilt"); } set { Put("Tilt", value); } }
        public double Zoom { get { return D("Zoom"); } set { Put("Zoom", value); } }
    }

    // ---- camera and hardware sub-settings ------------------------------------------------------

    /// <summary>An element of a parent item's list (stream usage, view item); saved through the parent.</summary>
    public class ChildItem : IConfigurationItem, IConfigurationChildItem
    {
        internal IConfigurationItem parentItem;
        private ConfigurationApiProperties properties;

        /// <summary>The child's key/value settings (Keys, GetValue, SetValue); Save through the owning item.</summary>
        public ConfigurationApiProperties Properties
        {
            get { return properties ?? (properties = new ConfigurationApiProperties(this, PropertiesPrefix)); }
        }

        /// <summary>First part of the long key names (KeysFullName), e.g. "stream:0.0.1".</summary>
        internal string PropertiesPrefix = "device:0.0";

        internal static List<T> Bind<T>(IConfigurationItem parent, JObj parentNode, string arrayKey, string childName) where T : ChildItem, new()
        {
            var result = new List<T>();
            var arr = parentNode == null ? null : parentNode.Arr(arrayKey);
            if (arr == null) return result;
            var parentLocate = parent.locate;
            for (int i = 0; i < arr.Count; i++)
            {
                var node = arr[i] as JObj;
                if (node == null) continue;
                int at = i;
                var c = new T { parentItem = parent };
                c.PropertiesPrefix = "stream:0.0." + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
                c.Bind(parent.sid, childName, parent.path + "/" + childName + "[" + i + "]", parent.path, parent.ownerType, parent.ownerId,
                    st =>
                    {
                        var p = parentLocate(st);
                        var a = p == null ? null : p.Arr(arrayKey);
                        return a != null && at < a.Count ? a[at] as JObj : null;
                    }, node, null);
                c.parentPath = parent.path;
                result.Add(c);
            }
            return result;
        }

        public override void Save() { if (parentItem == null) base.Save(); else parentItem.Save(); }
    }

    /// <summary>Recording tracks a stream usage can record to (RecordTo holds the track id).</summary>
    internal static class Tracks
    {
        internal const string Primary = "16ce3aa1-5f93-458a-abe5-5c95d9ed1372";
        internal const string Secondary = "84fff8b9-8cd1-4ba2-9f27-3b0ee1d6cb4a";

        internal static Dictionary<string, string> Values()
        {
            return new Dictionary<string, string> { { "Primary recording", Primary }, { "Secondary recording", Secondary }, { "No recording", "" } };
        }
    }

    public class StreamUsageChildItem : ChildItem
    {
        internal StreamDefinition definition;

        public string StreamReferenceId { get { return S("StreamReferenceId"); } set { Put("StreamReferenceId", value); } }
        public bool LiveDefault { get { return B("LiveDefault"); } set { Put("LiveDefault", value); } }
        public string LiveMode { get { return S("LiveMode"); } set { Put("LiveMode", value); } }
        /// <summary>The track the usage records to: a track id from RecordToValues ("" = not recorded).</summary>
        public string RecordTo { get { return S("RecordTo"); } set { Put("RecordTo", value ?? ""); } }
        public Dictionary<string, string> RecordToValues { get { return Tracks.Values(); } }
        /// <summary>Obsolete since multistream recording: true when the usage records to the primary track.</summary>
        public bool Record
        {
            get { return S("RecordTo") == Tracks.Primary; }
            set { Put("RecordTo", value ? Tracks.Primary : ""); }
        }
        public bool DefaultPlayback { get { return B("DefaultPlayback"); } set { Put("DefaultPlayback", value); } }
        public bool UseEdge { get { return B("UseEdge"); } set { Put("UseEdge", value); } }

        /// <summary>Driver streams the usage can use: display name -> StreamReferenceId.</summary>
        public Dictionary<string, string> StreamReferenceIdValues
        {
            get { return definition == null ? new Dictionary<string, string>() : definition.ReferenceIds(); }
        }

        internal override void Validate(SiteStore st, ValidateResult vr)
        {
            if (dirty.Contains("RecordTo") && !Tracks.Values().ContainsValue(RecordTo ?? ""))
                vr.AddError("RecordTo", "RecordTo must be one of the RecordToValues track ids, not '" + RecordTo + "'.", "VMO60051");
        }
    }

    /// <summary>The stream usages of a camera (path Stream[cameraId]), the one item in its StreamFolder.</summary>
    public class StreamDefinition : IConfigurationItem
    {
        private List<StreamUsageChildItem> usages;
        private JObj ownerNode;

        public StreamDefinition() { }
        public StreamDefinition(ServerId serverId, string path) { InitFromPath(serverId, path, "Stream"); }

        internal override JObj TakeSnapshot(JObj node)
        {
            ownerNode = node;
            usages = null;
            return new JObj();
        }

        public List<StreamUsageChildItem> StreamUsageChildItems
        {
            get
            {
                if (usages == null)
                {
                    var st = SiteStore.Open(sid.HostKey);
                    lock (st.Lock) usages = ChildItem.Bind<StreamUsageChildItem>(this, ownerNode, "Streams", "StreamUsageChildItem");
                    foreach (var u in usages) u.definition = this;
                }
                return usages;
            }
        }

        /// <summary>The camera's driver streams by name (from its driver settings, else from its usages).</summary>
        internal Dictionary<string, string> ReferenceIds()
        {
            var result = new Dictionary<string, string>();
            if (ownerNode == null) return result;
            // Driver streams carry their reference id where the document says it; else the usages name them.
            var dds = ownerNode.Obj("DeviceDriverSettings");
            var streams = dds == null ? null : dds.Arr("Streams");
            foreach (var list in new[] { streams, ownerNode.Arr("Streams") })
            {
                if (list == null) continue;
                for (int i = 0; i < list.Count; i++)
                {
                    var n = list[i] as JObj;
                    var id = n == null ? null : n.Str("StreamReferenceId");
                    if (id != null) result["Video stream " + (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)] = id;
                }
                if (result.Count > 0) break;
            }
            return result;
        }

        internal override IEnumerable<IConfigurationItem> SaveParts()
        {
            yield return this;
            if (usages != null) foreach (var u in usages) yield return u;
        }

        internal override void Validate(SiteStore st, ValidateResult vr) { }

        /// <summary>Adds a stream usage (long operation); re-read StreamUsageChildItems after ClearChildrenCache.</summary>
        public ServerTask AddStream() { Require(); return Operations.AddStream(this); }

        /// <summary>Removes the stream usage with this StreamReferenceId (long operation); the last one cannot go.</summary>
        public ServerTask RemoveStream(string streamReferenceId) { Require(); return Operations.RemoveStream(this, streamReferenceId); }

        internal override void OnCacheCleared() { usages = null; }
    }

    /// <summary>One driver stream's settings (codec, frame rate ...) in Properties.</summary>
    public class StreamChildItem : ChildItem
    {
        public override string DisplayName
        {
            get { return "Video stream " + (Index + 1).ToString(System.Globalization.CultureInfo.InvariantCulture); }
        }

        internal int Index;

        public string StreamReferenceId { get { return S("StreamReferenceId"); } }
    }

    /// <summary>A device's general driver settings (brightness ...) in Properties.</summary>
    public class DeviceDriverSettingsChildItem : ChildItem { }

    /// <summary>Driver settings of a device: general ones in DeviceDriverSettingsChildItem, per stream in StreamChildItems.</summary>
    public class DeviceDriverSettings : IConfigurationItem
    {
        private List<StreamChildItem> streams;
        private DeviceDriverSettingsChildItem general;

        public DeviceDriverSettings() { }
        public DeviceDriverSettings(ServerId serverId, string path) { InitFromPath(serverId, path, "DeviceDriverSettings"); }

        internal override JObj TakeSnapshot(JObj node) { streams = null; general = null; return base.TakeSnapshot(node); }

        /// <summary>The general settings, a child item of their own; saved through this item.</summary>
        public DeviceDriverSettingsChildItem DeviceDriverSettingsChildItem
        {
            get
            {
                if (general == null)
                {
                    var g = new DeviceDriverSettingsChildItem { parentItem = this };
                    string t = ownerType, id = ownerId;
                    var st = SiteStore.Open(sid.HostKey);
                    lock (st.Lock)
                    {
                        var owner = st.Find(t, id);
                        var node = owner == null ? null : Resolver.SubNode("DeviceDriverSettings", owner.Node);
                        g.Bind(sid, "DeviceDriverSettingsChildItem", path + "/DeviceDriverSettingsChildItem", path, t, id,
                            s => { var e = s.Find(t, id); return e == null ? null : Resolver.SubNode("DeviceDriverSettings", e.Node); }, node, null);
                    }
                    g.parentPath = path;
                    general = g;
                }
                return general;
            }
        }

        public List<StreamChildItem> StreamChildItems
        {
            get
            {
                if (streams == null)
                {
                    var st = SiteStore.Open(sid.HostKey);
                    string t = ownerType, id = ownerId;
                    lock (st.Lock)
                    {
                        var owner = st.Find(t, id);
                        var dds = owner == null ? null : owner.Node.Obj("DeviceDriverSettings");
                        var shell = new IConfigurationItem();
                        shell.Bind(sid, "DeviceDriverSettings", path, ParentItemPath, t, id,
                            s => { var e = s.Find(t, id); return e == null ? null : e.Node.Obj("DeviceDriverSettings"); }, null, null);
                        streams = ChildItem.Bind<StreamChildItem>(shell, dds, "Streams", "StreamChildItem");
                        for (int i = 0; i < streams.Count; i++) { streams[i].parentItem = this; streams[i].Index = i; }
                    }
                }
                return streams;
            }
        }

        internal override void Validate(SiteStore st, ValidateResult vr) { }

        internal override IEnumerable<IConfigurationItem> SaveParts()
        {
            yield return this;
            if (general != null) yield return general;
            if (streams != null) foreach (var s in streams) yield return s;
        }
    }

    /// <summary>A hardware's driver settings (MAC address, firmware ...) in Properties.</summary>
    public class HardwareDriverSettingsChildItem : ChildItem { }

    public class HardwareDriverSettings : IConfigurationItem
    {
        private List<HardwareDriverSettingsChildItem> children;

        public HardwareDriverSettings() { }
        public HardwareDriverSettings(ServerId serverId, string path) { InitFromPath(serverId, path, "HardwareDriverSettings"); }

        internal override JObj TakeSnapshot(JObj node) { children = null; return base.TakeSnapshot(node); }

        /// <summary>The settings as a list of child items; the real server sends one.</summary>
        public List<HardwareDriverSettingsChildItem> HardwareDriverSettingsChildItems
        {
            get
            {
                if (children == null)
                {
                    var c = new HardwareDriverSettingsChildItem { parentItem = this };
                    string t = ownerType, id = ownerId;
                    var st = SiteStore.Open(sid.HostKey);
                    lock (st.Lock)
                    {
                        var owner = st.Find(t, id);
                        var node = owner == null ? null : owner.Node.Obj("HardwareDriverSettings");
                        c.Bind(sid, "HardwareDriverSettingsChildItem", path + "/HardwareDriverSettingsChildItem", path, t, id,
                            s => { var e = s.Find(t, id); return e == null ? null : e.Node.Obj("HardwareDriverSettings"); }, node, null);
                    }
                    c.parentPath = path;
                    c.PropertiesPrefix = "hardware:0.0";
                    children = new List<HardwareDriverSettingsChildItem> { c };
                }
                return children;
            }
        }

        internal override IEnumerable<IConfigurationItem> SaveParts()
        {
            yield return this;
            if (children != null) foreach (var c in children) yield return c;
        }

        internal override void Validate(SiteStore st, ValidateResult vr) { }
    }

    public class ClientSettings : IConfigurationItem
    {
        public ClientSettings() { }
        public ClientSettings(ServerId serverId, string path) { InitFromPath(serverId, path, "ClientSettings"); }

        /// <summary>Related device paths, comma separated (a list in the document).</summary>
        public string Related { get { return S("Related"); } set { Put("Related", value ?? ""); } }
        public string Shortcut { get { return S("Shortcut"); } set { Put("Shortcut", value); } }
        public bool MulticastEnabled { get { return B("MulticastEnabled"); } set { Put("MulticastEnabled", value); } }

        internal override JObj TakeSnapshot(JObj node)
        {
            var snap = base.TakeSnapshot(node);
            var rel = node.Arr("Related");
            if (rel != null)
            {
                var parts = new List<string>();
                foreach (var r in rel) if (r != null) parts.Add(r.ToString());
                snap.Set("Related", string.Join(",", parts));
            }
            return snap;
        }

        internal override object ToStore(string key, object value)
        {
            if (key != "Related") return value;
            var list = new List<object>();
            foreach (var p in ((string)value ?? "").Split(','))
                if (p.Trim().Length > 0) list.Add(p.Trim());
            return list;
        }
    }

    public class MotionDetection : IConfigurationItem
    {
        public MotionDetection() { }
        public MotionDetection(ServerId serverId, string path) { InitFromPath(serverId, path, "MotionDetection"); }

        public bool Enabled { get { return B("Enabled"); } set { Put("Enabled", value); } }
        public bool ManualSensitivityEnabled { get { return B("ManualSensitivityEnabled"); } set { Put("ManualSensitivityEnabled", value); } }
        public int ManualSensitivity { get { return I("ManualSensitivity"); } set { Put("ManualSensitivity", value); } }
        public int Threshold { get { return I("Threshold"); } set { Put("Threshold", value); } }
        public bool KeyframesOnly { get { return B("KeyframesOnly"); } set { Put("KeyframesOnly", value); } }
        public string ProcessTime { get { return S("ProcessTime"); } set { Put("ProcessTime", value); } }
        public string DetectionMethod { get { return S("DetectionMethod"); } set { Put("DetectionMethod", value); } }
        public string ExcludeRegions { get { return S("ExcludeRegions"); } set { Put("ExcludeRegions", value); } }
        public bool GenerateMotionMetadata { get { return B("GenerateMotionMetadata"); } set { Put("GenerateMotionMetadata", value); } }
        public bool UseExcludeRegions { get { return B("UseExcludeRegions"); } set { Put("UseExcludeRegions", value); } }
        public string HardwareAccelerationMode { get { return S("HardwareAccelerationMode") ?? "Automatic"; } set { Put("HardwareAccelerationMode", value); } }
    }

    public class PrivacyProtection : IConfigurationItem
    {
        public PrivacyProtection() { }
        public PrivacyProtection(ServerId serverId, string path) { InitFromPath(serverId, path, "PrivacyProtection"); }

        public bool Enabled { get { return B("Enabled"); } set { Put("Enabled", value); } }
        public string PrivacyMaskXml { get { return S("PrivacyMaskXml"); } set { Put("PrivacyMaskXml", value); } }
    }
}
