// Turns SDK paths ("/", "Camera[guid]", "Stream[camGuid]", "Hardware[guid]/CameraFolder")
// into bound item objects, and makes item objects for document entries.
using System;
using System.Collections.Generic;
using FakeMip;
using FakeMip.Json;

namespace VideoOS.Platform.ConfigurationItems
{
    internal static class Resolver
    {
        internal static readonly List<string> KnownTypes = new List<string>
        {
            "RecordingServer", "Hardware", "HardwareDriver", "Storage", "Camera", "Microphone", "Speaker", "Metadata",
            "InputEvent", "Output", "Stream", "DeviceDriverSettings", "HardwareDriverSettings", "ClientSettings",
            "MotionDetection", "PrivacyProtection", "PtzPreset", "CameraGroup", "Role", "User", "ViewGroup", "View",
        };

        /// <summary>Sub-settings addressed by their owner's Id, and the owner's key that holds them.</summary>
        internal static readonly Dictionary<string, string> SubKinds = new Dictionary<string, string>
        {
            { "Stream", "Streams" }, { "DeviceDriverSettings", "DeviceDriverSettings" }, { "ClientSettings", "ClientSettings" },
            { "MotionDetection", "MotionDetection" }, { "PrivacyProtection", "PrivacyProtection" },
            { "HardwareDriverSettings", "HardwareDriverSettings" },
        };

        internal static readonly Dictionary<string, Type> ItemClasses = new Dictionary<string, Type>
        {
            { "RecordingServer", typeof(RecordingServer) }, { "Hardware", typeof(Hardware) }, { "HardwareDriver", typeof(HardwareDriver) },
            { "Storage", typeof(Storage) }, { "Camera", typeof(Camera) }, { "Microphone", typeof(Microphone) },
            { "Speaker", typeof(Speaker) }, { "Metadata", typeof(Metadata) }, { "InputEvent", typeof(InputEvent) },
            { "Output", typeof(Output) }, { "PtzPreset", typeof(PtzPreset) }, { "CameraGroup", typeof(CameraGroup) },
            { "Role", typeof(Role) }, { "User", typeof(User) }, { "ViewGroup", typeof(ViewGroup) }, { "View", typeof(View) },
            { "ManagementServer", typeof(ManagementServer) },
            { "Stream", typeof(StreamDefinition) }, { "DeviceDriverSettings", typeof(DeviceDriverSettings) },
            { "ClientSettings", typeof(ClientSettings) }, { "MotionDetection", typeof(MotionDetection) },
            { "PrivacyProtection", typeof(PrivacyProtection) }, { "HardwareDriverSettings", typeof(HardwareDriverSettings) },
        };

        internal static Func<SiteStore, JObj> IndexedLocator(string type, string id)
        {
            if (type == "ManagementServer") return st => st.Doc.Obj("ManagementServer");
            return st => { var e = st.Find(type, id); return e == null ? null : e.Node; };
        }

        internal static T MakeIndexed<T>(ServerId sid, Entry e, FillScope scope) where T : IConfigurationItem, new()
        {
            var item = new T();
            var locator = IndexedLocator(e.Type, e.Id);
            if (e.Type == "HardwareDriver" && e.Parent != null)
            {
                string recId = e.Parent.Id, path = e.Path;
                locator = st => { var d = st.DriverOn(st.Find("RecordingServer", recId), path); return d == null ? null : d.Node; };
            }
            item.Bind(sid, e.Type, e.Path, e.Parent == null ? null : e.Parent.Path, e.Type, e.Id, locator, e.Node, scope);
            return item;
        }

        internal static JObj SubNode(string kind, JObj owner)
        {
            if (owner == null) return null;
            if (kind == "Stream") return owner.Arr("Streams") != null ? owner : null;
            var o = owner.Obj(SubKinds[kind]);
            if (o != null && kind == "DeviceDriverSettings") return o.Obj("General") ?? new JObj();
            return o;
        }

        internal static T MakeSub<T>(ServerId sid, string kind, Entry owner, FillScope scope) where T : IConfigurationItem, new()
        {
            var item = new T();
            string type = owner.Type, id = owner.Id;
            Func<SiteStore, JObj> locator = st =>
            {
                var e = st.Find(type, id);
                return e == null ? null : SubNode(kind, e.Node);
            };
            item.Bind(sid, kind, kind + "[" + owner.Id + "]", owner.Path, owner.Type, owner.Id, locator, SubNode(kind, owner.Node), scope);
            return item;
        }

        internal static List<T> SubList<T>(ServerId sid, string kind, Entry owner, FillScope scope) where T : IConfigurationItem, new()
        {
            var result = new List<T>();
            if (SubNode(kind, owner.Node) != null) result.Add(MakeSub<T>(sid, kind, owner, scope));
            return result;
        }

        /// <summary>Splits "Type[id]"; false when the path has another shape.</summary>
        internal static bool Split(string path, out string type, out string id)
        {
            type = id = null;
            if (path == null) return false;
            int open = path.IndexOf('[');
            if (open <= 0 || !path.EndsWith("]", StringComparison.Ordinal)) return false;
            type = path.Substring(0, open);
            id = path.Substring(open + 1, path.Length - open - 2);
            return id.Length > 0;
        }

        /// <summary>The document entry for an item path ("/" or "Type[id]" of an indexed type).</summary>
        internal static Entry EntryFor(SiteStore st, string path)
        {
            if (path == "/") return st.Root;
            string type, id;
            if (!Split(path, out type, out id)) return null;
            return st.Find(type, id);
        }

        /// <summary>Binds target to the item at path (caller holds the store lock). False when there is none.</summary>
        internal static bool BindByPath(IConfigurationItem target, SiteStore st, ServerId sid, string path, string expectedType)
        {
            int slash = path.LastIndexOf('/');
            if (path != "/" && slash >= 0)
            {
                // A folder: "<owner path>/<FolderName>" ("/RecordingServerFolder" for the management server's).
                string ownerPath = slash == 0 ? "/" : path.Substring(0, slash);
                string folder = path.Substring(slash + 1);
                if (folder != expectedType) return false;
                var owner = EntryFor(st, ownerPath);
                if (owner == null) return false;
                target.Bind(sid, folder, path, owner.Path, owner.Type, owner.Id, null, null, null);
                target.values.Set("Name", folder);
                return true;
            }
            string type, id;
            Entry e;
            if (path == "/") { type = "ManagementServer"; e = st.Root; }
            else
            {
                if (!Split(path, out type, out id)) return false;
                if (type != expectedType) return false;
                string subKey;
                if (SubKinds.TryGetValue(type, out subKey))
                {
                    var ownerEntry = st.Find(id);
                    if (ownerEntry == null || SubNode(type, ownerEntry.Node) == null) return false;
                    var node = SubNode(type, ownerEntry.Node);
                    string ot = ownerEntry.Type, oid = ownerEntry.Id, kind = type;
                    target.Bind(sid, type, type + "[" + oid + "]", ownerEntry.Path, ot, oid,
                        s => { var x = s.Find(ot, oid); return x == null ? null : SubNode(kind, x.Node); }, node, null);
                    return true;
                }
                e = st.Find(type, id);
            }
            if (e == null || type != expectedType) return false;
            target.Bind(sid, e.Type, e.Path, e.Parent == null ? null : e.Parent.Path, e.Type, e.Id, IndexedLocator(e.Type, e.Id), e.Node, null);
            return true;
        }
    }
}
