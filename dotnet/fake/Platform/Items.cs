// Configuration item classes with the real SDK's names and typed properties.
using System;
using System.Collections.Generic;
using FakeMip;
using FakeMip.Json;
using VideoOS.Platform.Proxy.ConfigApi;

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
        public InvokeInfo MoveHardware() { Require(); return Operations.MoveHardware(this); }
        public InvokeInfo ReplaceHardware() { Require(); return Operations.ReplaceHardware(this); }

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

        public InvokeInfo ChangeDeviceRecordingStorage() { Require(); return Operations.ChangeStorage(this); }
    }

    public class Camera : RecordingDevice
    {
        public Camera() { }
        public Camera(ServerId serverId, string path) { InitFromPath(serverId, path, "Camera"); }

        public string GisPoint { get { return S("GisPoint"); } set { Put("GisPoint", value); } }
        public bool PrebufferEnabled { get { return B("PrebufferEnabled"); } set { Put("PrebufferEnabled", value); } }
        public bool PrebufferInMemory { get { return B("PrebufferInMemory"); } set { Put("PrebufferInMemory", value); } }
        public bool EdgeStorageEnabled { get { return B("EdgeStorageEnabled"); } set { Put("EdgeStorageEnabled", value); } }
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

    /// <summary>An element of a parent item's list (stream usage, driver stream, view item); saved through the parent.</summary>
    public class ChildItem : IConfigurationItem
    {
        internal IConfigurationItem parentItem;

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
                c.Bind(parent.sid, childName, parent.path + "/" + childName + "[" + i + "]", parent.path, parent.ownerType, parent.ownerId,
                    st =>
                    {
                        var p = parentLocate(st);
                        var a = p == null ? null : p.Arr(arrayKey);
                        return a != null && at < a.Count ? a[at] as JObj : null;
                    }, node, null);
                result.Add(c);
            }
            return result;
        }

        public override void Save() { if (parentItem == null) base.Save(); else parentItem.Save(); }
    }

    public class StreamUsageChildItem : ChildItem
    {
        public string StreamReferenceId { get { return S("StreamReferenceId"); } set { Put("StreamReferenceId", value); } }
        public bool LiveDefault { get { return B("LiveDefault"); } set { Put("LiveDefault", value); } }
        public string LiveMode { get { return S("LiveMode"); } set { Put("LiveMode", value); } }
        public string RecordTo { get { return S("RecordTo"); } set { Put("RecordTo", value); } }
        public bool DefaultPlayback { get { return B("DefaultPlayback"); } set { Put("DefaultPlayback", value); } }
        public bool UseEdge { get { return B("UseEdge"); } set { Put("UseEdge", value); } }
    }

    /// <summary>The stream usages of a camera (path Stream[cameraId]).</summary>
    public class Stream : IConfigurationItem
    {
        private List<StreamUsageChildItem> usages;
        private JObj ownerNode;

        public Stream() { }
        public Stream(ServerId serverId, string path) { InitFromPath(serverId, path, "Stream"); }

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
                }
                return usages;
            }
        }

        internal override IEnumerable<IConfigurationItem> SaveParts()
        {
            yield return this;
            if (usages != null) foreach (var u in usages) yield return u;
        }

        /// <summary>Adds a stream usage (long operation); re-read StreamUsageChildItems after ClearChildrenCache.</summary>
        public ServerTask AddStream() { Require(); return Operations.AddStream(this); }

        /// <summary>Removes the stream usage with this StreamReferenceId (long operation); the last one cannot go.</summary>
        public ServerTask RemoveStream(string streamReferenceId) { Require(); return Operations.RemoveStream(this, streamReferenceId); }

        internal override void OnCacheCleared() { usages = null; }
    }

    public class StreamChildItem : ChildItem { }

    /// <summary>Driver settings of a device: general key/values here, per-stream key/values in StreamChildItems.</summary>
    public class DeviceDriverSettings : IConfigurationItem
    {
        private List<StreamChildItem> streams;

        public DeviceDriverSettings() { }
        public DeviceDriverSettings(ServerId serverId, string path) { InitFromPath(serverId, path, "DeviceDriverSettings"); }

        internal override JObj TakeSnapshot(JObj node) { streams = null; return base.TakeSnapshot(node); }

        /// <summary>The general settings as an item of their own (same object as this one's bag).</summary>
        public IConfigurationItem DeviceDriverSettingsChildItem { get { return this; } }

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
                        shell.Bind(sid, "DeviceDriverSettings", path, parentPath, t, id,
                            s => { var e = s.Find(t, id); return e == null ? null : e.Node.Obj("DeviceDriverSettings"); }, null, null);
                        streams = ChildItem.Bind<StreamChildItem>(shell, dds, "Streams", "StreamChildItem");
                        foreach (var c in streams) c.parentItem = this;
                    }
                }
                return streams;
            }
        }

        internal override void Validate(SiteStore st, ValidateResult vr) { }

        internal override IEnumerable<IConfigurationItem> SaveParts()
        {
            yield return this;
            if (streams != null) foreach (var s in streams) yield return s;
        }
    }

    public class HardwareDriverSettings : IConfigurationItem
    {
        public HardwareDriverSettings() { }
        public HardwareDriverSettings(ServerId serverId, string path) { InitFromPath(serverId, path, "HardwareDriverSettings"); }

        public IConfigurationItem HardwareDriverSettingsChildItem { get { return this; } }

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
    }

    public class PrivacyProtection : IConfigurationItem
    {
        public PrivacyProtection() { }
        public PrivacyProtection(ServerId serverId, string path) { InitFromPath(serverId, path, "PrivacyProtection"); }

        public bool Enabled { get { return B("Enabled"); } set { Put("Enabled", value); } }
        public string PrivacyMaskXml { get { return S("PrivacyMaskXml"); } set { Put("PrivacyMaskXml", value); } }
    }
}
