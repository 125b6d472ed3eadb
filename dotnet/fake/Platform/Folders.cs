// Folder items: each holds one List<T> named with the SDK's English plural and
// loads it lazily (one round trip) unless FillChildren already covered it.
using System.Collections.Generic;
using FakeMip;

namespace VideoOS.Platform.ConfigurationItems
{
    public class RecordingServerFolder : IConfigurationItem
    {
        public RecordingServerFolder() { }
        public RecordingServerFolder(ServerId serverId, string path) { InitFromPath(serverId, path, "RecordingServerFolder"); }

        public List<RecordingServer> RecordingServers
        {
            get { return Children("RecordingServer", (st, e) => Collection<RecordingServer>(st, e, "RecordingServers", "RecordingServer")); }
        }
    }

    public class HardwareFolder : IConfigurationItem
    {
        public HardwareFolder() { }
        public HardwareFolder(ServerId serverId, string path) { InitFromPath(serverId, path, "HardwareFolder"); }

        /// <summary>
        /// The recorder's hardware. Like the real SDK's, the list is cached for the whole process: after an add,
        /// move or delete it stays as it was until ClearChildrenCache() (or a FillChildren above it).
        /// </summary>
        public List<Hardware> Hardwares
        {
            get { return SharedChildren("Hardware", (st, e) => Collection<Hardware>(st, e, "Hardwares", "Hardware")); }
        }

        internal override void OnCacheCleared() { DropShared(path); }

        public ServerTask DeleteHardware(string hardwarePath) { Require(); return Operations.DeleteHardware(this, hardwarePath); }
    }

    public class HardwareDriverFolder : IConfigurationItem
    {
        public HardwareDriverFolder() { }
        public HardwareDriverFolder(ServerId serverId, string path) { InitFromPath(serverId, path, "HardwareDriverFolder"); }

        public List<HardwareDriver> HardwareDrivers
        {
            get { return Children("HardwareDriver", (st, e) => Collection<HardwareDriver>(st, e, "HardwareDrivers", "HardwareDriver")); }
        }
    }

    public class StorageFolder : IConfigurationItem
    {
        public StorageFolder() { }
        public StorageFolder(ServerId serverId, string path) { InitFromPath(serverId, path, "StorageFolder"); }

        public List<Storage> Storages
        {
            get { return Children("Storage", (st, e) => Collection<Storage>(st, e, "Storages", "Storage")); }
        }
    }

    public class CameraFolder : IConfigurationItem
    {
        public CameraFolder() { }
        public CameraFolder(ServerId serverId, string path) { InitFromPath(serverId, path, "CameraFolder"); }

        /// <summary>
        /// A hardware's cameras, or a device group's member cameras; a group's list is cached for the whole
        /// process (as the real SDK's is) until ClearChildrenCache() after a member was added or removed.
        /// </summary>
        public List<Camera> Cameras
        {
            get
            {
                if (ownerType == "CameraGroup")
                    return SharedChildren("Camera", (st, e) => Operations.GroupMembers<Camera>(this, st, e, "Camera"));
                return Children("Camera", (st, e) => Collection<Camera>(st, e, "Cameras", "Camera"));
            }
        }

        internal override void OnCacheCleared() { if (ownerType == "CameraGroup") DropShared(path); }

        public ServerTask AddDeviceGroupMember(string path) { Require(); return Operations.AddGroupMember(this, path); }
        public ServerTask RemoveDeviceGroupMember(string path) { Require(); return Operations.RemoveGroupMember(this, path); }
    }

    public class MicrophoneFolder : IConfigurationItem
    {
        public MicrophoneFolder() { }
        public MicrophoneFolder(ServerId serverId, string path) { InitFromPath(serverId, path, "MicrophoneFolder"); }

        public List<Microphone> Microphones
        {
            get { return Children("Microphone", (st, e) => Collection<Microphone>(st, e, "Microphones", "Microphone")); }
        }
    }

    public class SpeakerFolder : IConfigurationItem
    {
        public SpeakerFolder() { }
        public SpeakerFolder(ServerId serverId, string path) { InitFromPath(serverId, path, "SpeakerFolder"); }

        public List<Speaker> Speakers
        {
            get { return Children("Speaker", (st, e) => Collection<Speaker>(st, e, "Speakers", "Speaker")); }
        }
    }

    public class MetadataFolder : IConfigurationItem
    {
        public MetadataFolder() { }
        public MetadataFolder(ServerId serverId, string path) { InitFromPath(serverId, path, "MetadataFolder"); }

        public List<Metadata> Metadatas
        {
            get { return Children("Metadata", (st, e) => Collection<Metadata>(st, e, "Metadatas", "Metadata")); }
        }
    }

    public class InputEventFolder : IConfigurationItem
    {
        public InputEventFolder() { }
        public InputEventFolder(ServerId serverId, string path) { InitFromPath(serverId, path, "InputEventFolder"); }

        public List<InputEvent> InputEvents
        {
            get { return Children("InputEvent", (st, e) => Collection<InputEvent>(st, e, "InputEvents", "InputEvent")); }
        }
    }

    public class OutputFolder : IConfigurationItem
    {
        public OutputFolder() { }
        public OutputFolder(ServerId serverId, string path) { InitFromPath(serverId, path, "OutputFolder"); }

        public List<Output> Outputs
        {
            get { return Children("Output", (st, e) => Collection<Output>(st, e, "Outputs", "Output")); }
        }
    }

    public class PtzPresetFolder : IConfigurationItem
    {
        public PtzPresetFolder() { }
        public PtzPresetFolder(ServerId serverId, string path) { InitFromPath(serverId, path, "PtzPresetFolder"); }

        public List<PtzPreset> PtzPresets
        {
            get { return Children("PtzPreset", (st, e) => Collection<PtzPreset>(st, e, "PtzPresets", "PtzPreset")); }
        }

        /// <summary>Stores a new preset at the given position (pan, tilt, zoom from -1 to 1; zoom 0 to 1).</summary>
        public ServerTask AddPtzPreset(string name, string description, double pan, double tilt, double zoom)
        {
            Require();
            return Operations.AddPtzPreset(this, name, description, pan, tilt, zoom);
        }

        public ServerTask RemovePtzPreset(string ptzPresetPath) { Require(); return Operations.RemovePtzPreset(this, ptzPresetPath); }
    }

    public class StreamFolder : IConfigurationItem
    {
        public StreamFolder() { }
        public StreamFolder(ServerId serverId, string path) { InitFromPath(serverId, path, "StreamFolder"); }

        /// <summary>One StreamDefinition holding the camera's stream usages.</summary>
        public List<StreamDefinition> Streams
        {
            get { return Children("Stream", (st, e) => Resolver.SubList<StreamDefinition>(sid, "Stream", e, Effective)); }
        }
    }

    public class DeviceDriverSettingsFolder : IConfigurationItem
    {
        public DeviceDriverSettingsFolder() { }
        public DeviceDriverSettingsFolder(ServerId serverId, string path) { InitFromPath(serverId, path, "DeviceDriverSettingsFolder"); }

        public List<DeviceDriverSettings> DeviceDriverSettings
        {
            get { return Children("DeviceDriverSettings", (st, e) => Resolver.SubList<DeviceDriverSettings>(sid, "DeviceDriverSettings", e, Effective)); }
        }
    }

    public class HardwareDriverSettingsFolder : IConfigurationItem
    {
        public HardwareDriverSettingsFolder() { }
        public HardwareDriverSettingsFolder(ServerId serverId, string path) { InitFromPath(serverId, path, "HardwareDriverSettingsFolder"); }

        public List<HardwareDriverSettings> HardwareDriverSettings
        {
            get { return Children("HardwareDriverSettings", (st, e) => Resolver.SubList<HardwareDriverSettings>(sid, "HardwareDriverSettings", e, Effective)); }
        }
    }

    public class ClientSettingsFolder : IConfigurationItem
    {
        public ClientSettingsFolder() { }
        public ClientSettingsFolder(ServerId serverId, string path) { InitFromPath(serverId, path, "ClientSettingsFolder"); }

        public List<ClientSettings> ClientSettings
        {
            get { return Children("ClientSettings", (st, e) => Resolver.SubList<ClientSettings>(sid, "ClientSettings", e, Effective)); }
        }
    }

    public class MotionDetectionFolder : IConfigurationItem
    {
        public MotionDetectionFolder() { }
        public MotionDetectionFolder(ServerId serverId, string path) { InitFromPath(serverId, path, "MotionDetectionFolder"); }

        public List<MotionDetection> MotionDetections
        {
            get { return Children("MotionDetection", (st, e) => Resolver.SubList<MotionDetection>(sid, "MotionDetection", e, Effective)); }
        }
    }

    public class PrivacyProtectionFolder : IConfigurationItem
    {
        public PrivacyProtectionFolder() { }
        public PrivacyProtectionFolder(ServerId serverId, string path) { InitFromPath(serverId, path, "PrivacyProtectionFolder"); }

        public List<PrivacyProtection> PrivacyProtections
        {
            get
            {
                return Children("PrivacyProtection", (st, e) =>
                {
                    st.RequireLicence("PrivacyMask");
                    return Resolver.SubList<PrivacyProtection>(sid, "PrivacyProtection", e, Effective);
                });
            }
        }
    }

    public class CameraGroupFolder : IConfigurationItem
    {
        public CameraGroupFolder() { }
        public CameraGroupFolder(ServerId serverId, string path) { InitFromPath(serverId, path, "CameraGroupFolder"); }

        /// <summary>Device groups here; cached for the whole process until ClearChildrenCache(), as the real SDK's.</summary>
        public List<CameraGroup> CameraGroups
        {
            get { return SharedChildren("CameraGroup", (st, e) => Collection<CameraGroup>(st, e, "CameraGroups", "CameraGroup")); }
        }

        internal override void OnCacheCleared() { DropShared(path); }

        public ServerTask AddDeviceGroup(string name, string description) { Require(); return Operations.AddDeviceGroup(this, name, description); }
        public ServerTask RemoveDeviceGroup(string path) { Require(); return Operations.RemoveDeviceGroup(this, path); }
    }

    public class RoleFolder : IConfigurationItem
    {
        public RoleFolder() { }
        public RoleFolder(ServerId serverId, string path) { InitFromPath(serverId, path, "RoleFolder"); }

        public List<Role> Roles
        {
            get { return Children("Role", (st, e) => Collection<Role>(st, e, "Roles", "Role")); }
        }

        public ServerTask AddRole(string name, string description)
        {
            Require();
            return Operations.AddRole(this, name, description, false, false, true, true, true, null, null);
        }

        public ServerTask AddRole(string name, string description, bool dualAuthorizationRequired, bool makeUsersAnonymousDuringPTZSession,
                                  bool allowMobileClientLogOn, bool allowSmartClientLogOn, bool allowWebClientLogOn,
                                  string defaultTimeProfile, string clientLogOnTimeProfile)
        {
            Require();
            return Operations.AddRole(this, name, description, dualAuthorizationRequired, makeUsersAnonymousDuringPTZSession,
                allowMobileClientLogOn, allowSmartClientLogOn, allowWebClientLogOn, defaultTimeProfile, clientLogOnTimeProfile);
        }

        public ServerTask RemoveRole(string rolePath) { Require(); return Operations.RemoveRole(this, rolePath); }
    }

    public class UserFolder : IConfigurationItem
    {
        public UserFolder() { }
        public UserFolder(ServerId serverId, string path) { InitFromPath(serverId, path, "UserFolder"); }

        public List<User> Users
        {
            get { return Children("User", (st, e) => Collection<User>(st, e, "Users", "User")); }
        }

        public ServerTask AddRoleMember(string sid) { Require(); return Operations.AddRoleMember(this, sid); }
        public ServerTask RemoveRoleMember(string path) { Require(); return Operations.RemoveItem(this, path, "User", "Users", false); }
    }

    public class ViewGroupFolder : IConfigurationItem
    {
        public ViewGroupFolder() { }
        public ViewGroupFolder(ServerId serverId, string path) { InitFromPath(serverId, path, "ViewGroupFolder"); }

        public List<ViewGroup> ViewGroups
        {
            get { return Children("ViewGroup", (st, e) => Collection<ViewGroup>(st, e, "ViewGroups", "ViewGroup")); }
        }

        public ServerTask AddViewGroup(string name, string description) { Require(); return Operations.AddViewGroup(this, name, description); }
        public ServerTask RemoveViewGroup(bool recurse, string path) { Require(); return Operations.RemoveViewGroup(this, recurse, path); }
    }

    public class ViewFolder : IConfigurationItem
    {
        public ViewFolder() { }
        public ViewFolder(ServerId serverId, string path) { InitFromPath(serverId, path, "ViewFolder"); }

        public List<View> Views
        {
            get { return Children("View", (st, e) => Collection<View>(st, e, "Views", "View")); }
        }

        public AddViewServerTask AddView(string layoutDefinitionXml) { Require(); return Operations.AddView(this, layoutDefinitionXml); }
        public ServerTask RemoveView(string path) { Require(); return Operations.RemoveItem(this, path, "View", "Views", false); }
    }

    /// <summary>Basic users of the site; the fake world keeps none.</summary>
    public class BasicUserFolder : IConfigurationItem
    {
        private readonly List<IConfigurationItem> none = new List<IConfigurationItem>();
        public BasicUserFolder() { }
        public BasicUserFolder(ServerId serverId, string path) { InitFromPath(serverId, path, "BasicUserFolder"); }
        public List<IConfigurationItem> BasicUsers { get { return none; } }
    }

    /// <summary>Time profiles of the site; the fake world keeps none.</summary>
    public class TimeProfileFolder : IConfigurationItem
    {
        private readonly List<IConfigurationItem> none = new List<IConfigurationItem>();
        public TimeProfileFolder() { }
        public TimeProfileFolder(ServerId serverId, string path) { InitFromPath(serverId, path, "TimeProfileFolder"); }
        public List<IConfigurationItem> TimeProfiles { get { return none; } }
    }
}
