// The base of every configuration item and folder: a snapshot of the item's
// properties taken when it was read (the real SDK caches the same way), lazy
// child folders that cost one round trip on first use unless FillChildren
// covered them, and Save/ValidateItem against the in-memory document.
using System;
using System.Collections.Generic;
using System.Globalization;
using FakeMip;
using FakeMip.Json;
using VideoOS.ConfigurationApi.ClientService;
using VideoOS.Platform.Proxy.ConfigApi;

namespace VideoOS.Platform.ConfigurationItems
{
    /// <summary>Item types FillChildren was asked for, on this item or an ancestor.</summary>
    internal sealed class FillScope
    {
        internal static readonly FillScope Nothing = new FillScope(new string[0], null);
        private readonly HashSet<string> types;
        private readonly FillScope parent;

        internal FillScope(IEnumerable<string> types, FillScope parent)
        {
            this.types = new HashSet<string>(types, StringComparer.OrdinalIgnoreCase);
            this.parent = parent;
        }

        internal bool Covers(string type)
        {
            for (var s = this; s != null; s = s.parent) if (s.types.Contains(type)) return true;
            return false;
        }
    }

    public class IConfigurationItem
    {
        internal ServerId sid;
        internal string path;
        internal string parentPath;
        internal string parentItemPath;
        internal string itemType;
        /// <summary>Id of the indexed document item that holds this item's data (a camera for its sub-settings).</summary>
        internal string ownerId;
        internal string ownerType;
        internal Func<SiteStore, JObj> locate;
        internal JObj values = new JObj();
        internal readonly HashSet<string> dirty = new HashSet<string>();
        internal FillScope inherited;
        internal FillScope own;
        internal readonly Dictionary<string, object> childCache = new Dictionary<string, object>();
        /// <summary>Keys that are never exposed as properties (secrets).</summary>
        internal static readonly HashSet<string> Hidden = new HashSet<string> { "Password" };
        /// <summary>Keys that are typed item properties only, never one of GetPropertyKeys (the enable flag).</summary>
        internal static readonly HashSet<string> NotKeys = new HashSet<string> { "Enabled" };

        /// <summary>Item type -> the folder it is listed in below its owner.</summary>
        internal static readonly Dictionary<string, string> FolderOf = new Dictionary<string, string>
        {
            { "RecordingServer", "RecordingServerFolder" }, { "Hardware", "HardwareFolder" }, { "HardwareDriver", "HardwareDriverFolder" },
            { "Storage", "StorageFolder" }, { "Camera", "CameraFolder" }, { "Microphone", "MicrophoneFolder" },
            { "Speaker", "SpeakerFolder" }, { "Metadata", "MetadataFolder" }, { "InputEvent", "InputEventFolder" },
            { "Output", "OutputFolder" }, { "PtzPreset", "PtzPresetFolder" }, { "CameraGroup", "CameraGroupFolder" },
            { "Role", "RoleFolder" }, { "User", "UserFolder" }, { "ViewGroup", "ViewGroupFolder" }, { "View", "ViewFolder" },
            { "Stream", "StreamFolder" }, { "DeviceDriverSettings", "DeviceDriverSettingsFolder" },
            { "HardwareDriverSettings", "HardwareDriverSettingsFolder" }, { "ClientSettings", "ClientSettingsFolder" },
            { "MotionDetection", "MotionDetectionFolder" }, { "PrivacyProtection", "PrivacyProtectionFolder" },
        };
        /// <summary>True for free-form property bags (invoke objects) that accept new keys.</summary>
        internal bool openKeys;

        public IConfigurationItem() { }

        // ---- binding -------------------------------------------------------------------------

        internal bool Bound { get { return sid != null; } }

        internal void Require()
        {
            if (sid == null) throw new InvalidOperationMIPException(GetType().Name + " was created without a server: use the (ServerId, path) constructor.");
        }

        internal void Bind(ServerId serverId, string type, string itemPath, string parent, string ownerType, string ownerId,
                           Func<SiteStore, JObj> locator, JObj node, FillScope scope)
        {
            sid = serverId;
            itemType = type;
            path = itemPath;
            // ParentPath is the folder the item sits in, ParentItemPath the item owning that folder.
            parentItemPath = parent;
            string folder;
            parentPath = parent != null && FolderOf.TryGetValue(type ?? "", out folder) ? (parent == "/" ? "" : parent) + "/" + folder : parent;
            this.ownerType = ownerType;
            this.ownerId = ownerId;
            locate = locator;
            inherited = scope;
            own = null;
            values = node == null ? new JObj() : TakeSnapshot(node);
        }

        /// <summary>Scalar properties of the node (collections and secrets left out).</summary>
        internal virtual JObj TakeSnapshot(JObj node)
        {
            var snap = new JObj();
            for (int i = 0; i < node.Keys.Count; i++)
            {
                var v = node.Values[i];
                if (v is JObj || v is List<object>) continue;
                if (Hidden.Contains(node.Keys[i])) continue;
                snap.Keys.Add(node.Keys[i]);
                snap.Values.Add(v);
            }
            return snap;
        }

        /// <summary>Converts a property value back to its document form (overridden where they differ).</summary>
        internal virtual object ToStore(string key, object value) { return value; }

        internal FillScope Effective { get { return own ?? inherited; } }

        /// <summary>Resolves a path for the (ServerId, path) constructors: one round trip, or PathNotFoundMIPException.</summary>
        internal void InitFromPath(ServerId serverId, string itemPath, string expectedType)
        {
            if (serverId == null) throw new ArgumentMIPException("serverId must not be null.");
            if (string.IsNullOrEmpty(itemPath)) throw new ArgumentMIPException("path must not be empty (for example Camera[<guid>]).");
            var st = Sessions.RoundTrip(serverId);
            lock (st.Lock)
            {
                st.EnsureFresh();
                if (!Resolver.BindByPath(this, st, serverId, itemPath, expectedType))
                    throw new PathNotFoundMIPException("Path '" + itemPath + "' was not found on " + serverId.Uri + " (expected a " + expectedType + ").");
            }
        }

        // ---- common properties ---------------------------------------------------------------

        public ServerId ServerId { get { return sid; } }
        public string Path { get { return path; } }
        public string ParentPath { get { return parentPath; } }
        public string ParentItemPath { get { return parentItemPath; } }
        public string ItemType { get { return itemType; } }

        public virtual string Name { get { return S("Name"); } set { Put("Name", value); } }
        public virtual string DisplayName { get { return Name; } }
        public virtual string Description { get { return S("Description"); } set { Put("Description", value); } }
        public string Id { get { return S("Id") ?? ownerId; } }

        /// <summary>The item's id as a Guid (Guid.Empty for items without one, such as folders).</summary>
        public Guid Guid
        {
            get
            {
                Guid g;
                return Guid.TryParse(S("Id") ?? ownerId ?? "", out g) ? g : Guid.Empty;
            }
        }

        public DateTime LastModified
        {
            get
            {
                var s = S("LastModified");
                DateTime d;
                return s != null && DateTime.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out d) ? d : DateTime.MinValue;
            }
        }

        // ---- typed access to the snapshot ---------------------------------------------------

        internal string S(string key)
        {
            var v = values.Get(key);
            if (v == null) return null;
            return v as string ?? Text(v);
        }

        internal bool B(string key)
        {
            var v = values.Get(key);
            if (v is bool) return (bool)v;
            bool b;
            return v is string && bool.TryParse((string)v, out b) && b;
        }

        internal double D(string key)
        {
            var v = values.Get(key);
            if (v is double) return (double)v;
            if (v is long) return (long)v;
            double d;
            return v is string && double.TryParse((string)v, NumberStyles.Float, CultureInfo.InvariantCulture, out d) ? d : 0.0;
        }

        internal int I(string key)
        {
            var v = values.Get(key);
            if (v is long) return (int)(long)v;
            if (v is double) return (int)(double)v;
            int i;
            return v is string && int.TryParse((string)v, NumberStyles.Integer, CultureInfo.InvariantCulture, out i) ? i : 0;
        }

        internal void Put(string key, object value)
        {
            if (value is int) value = (long)(int)value;
            values.Set(key, value);
            dirty.Add(key);
        }

        internal static string Text(object v)
        {
            if (v == null) return null;
            if (v is bool) return (bool)v ? "True" : "False";
            if (v is double) return ((double)v).ToString("R", CultureInfo.InvariantCulture);
            if (v is long) return ((long)v).ToString(CultureInfo.InvariantCulture);
            return Convert.ToString(v, CultureInfo.InvariantCulture);
        }

        // ---- generic property bag -------------------------------------------------------------

        public string GetProperty(string key)
        {
            if (key == null) throw new ArgumentMIPException("GetProperty needs a property name.");
            if (NotKeys.Contains(key)) return null;
            return Text(values.Get(key));
        }

        public void SetProperty(string key, string value)
        {
            if (key == null) throw new ArgumentMIPException("SetProperty needs a property name.");
            if (NotKeys.Contains(key) && !openKeys)
                throw new ArgumentMIPException("'" + key + "' is not one of the properties of " + (path ?? GetType().Name) + "; set the item's " + key + " property instead.");
            int i = values.IndexOf(key);
            if (i < 0)
            {
                if (openKeys) { Put(key, value); return; }
                throw new ArgumentMIPException("'" + key + "' is not a property of " + (path ?? GetType().Name) + "; known properties: " + string.Join(", ", values.Keys) + ".");
            }
            Put(key, Coerce(key, values.Values[i], value));
        }

        /// <summary>Parses text into the type the property already has.</summary>
        internal object Coerce(string key, object current, string value)
        {
            if (current is bool)
            {
                bool b;
                if (value != null && bool.TryParse(value.Trim(), out b)) return b;
                throw new ArgumentMIPException("Property '" + key + "' of " + path + " is True or False, not '" + value + "'.");
            }
            if (current is long || current is double)
            {
                long l;
                double d;
                string t = value == null ? "" : value.Trim();
                if (current is long && long.TryParse(t, NumberStyles.Integer, CultureInfo.InvariantCulture, out l)) return l;
                if (double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out d)) return current is long && d == Math.Floor(d) ? (object)(long)d : d;
                throw new ArgumentMIPException("Property '" + key + "' of " + path + " is a number, not '" + value + "'.");
            }
            return value;
        }

        public List<string> GetPropertyKeys()
        {
            var keys = new List<string>();
            foreach (var k in values.Keys) if (openKeys || !NotKeys.Contains(k)) keys.Add(k);
            return keys;
        }

        /// <summary>This item as the Configuration API's raw item (path, type, text properties).</summary>
        internal ConfigurationItem Raw()
        {
            var raw = new ConfigurationItem { Path = path, ParentPath = parentPath, ItemType = itemType, DisplayName = Name };
            var props = new List<Property>();
            for (int i = 0; i < values.Keys.Count; i++) props.Add(new Property(values.Keys[i], Text(values.Values[i])));
            raw.Properties = props.ToArray();
            return raw;
        }

        // ---- children ----------------------------------------------------------------------------

        /// <summary>Drops cached children and re-reads this item's own values (fresh from disk if the document changed).</summary>
        public void ClearChildrenCache()
        {
            if (!Bound) return;
            lock (childCache) childCache.Clear();
            own = FillScope.Nothing;
            OnCacheCleared();
            var st = SiteStore.Open(sid.HostKey);
            if (st == null || locate == null) return;
            lock (st.Lock)
            {
                st.EnsureFresh();
                var node = locate(st);
                if (node != null) { values = TakeSnapshot(node); dirty.Clear(); }
            }
        }

        /// <summary>
        /// A folder list shared by every object of this process, the way the real SDK caches hardware and
        /// device-group lists: it survives the process's own add, move, delete and membership changes until
        /// ClearChildrenCache() on the folder (or a FillChildren above it, or the document changing on disk).
        /// </summary>
        internal List<T> SharedChildren<T>(string childType, Func<SiteStore, Entry, List<T>> build)
        {
            Require();
            var st = SiteStore.Open(sid.HostKey);
            object o;
            if (st != null) lock (st.SharedLists) if (st.SharedLists.TryGetValue(path, out o)) return (List<T>)o;
            var list = Children(childType, build);
            if (st != null) lock (st.SharedLists) st.SharedLists[path] = list;
            return list;
        }

        internal void DropSharedGroups()
        {
            var st = SiteStore.Open(sid.HostKey);
            if (st == null) return;
            lock (st.SharedLists)
            {
                var gone = new List<string>();
                foreach (var k in st.SharedLists.Keys)
                    if (k.StartsWith("CameraGroup[", StringComparison.OrdinalIgnoreCase) || k.StartsWith("/CameraGroupFolder", StringComparison.OrdinalIgnoreCase)) gone.Add(k);
                foreach (var k in gone) st.SharedLists.Remove(k);
            }
        }

        /// <summary>Forgets the process-wide folder lists at or below a path (see SharedChildren).</summary>
        internal void DropShared(string under)
        {
            var st = SiteStore.Open(sid.HostKey);
            if (st == null) return;
            lock (st.SharedLists)
            {
                var gone = new List<string>();
                foreach (var k in st.SharedLists.Keys)
                    if (under == "/" || k.StartsWith(under, StringComparison.OrdinalIgnoreCase)) gone.Add(k);
                foreach (var k in gone) st.SharedLists.Remove(k);
            }
        }

        internal virtual void OnCacheCleared() { }

        /// <summary>Loads the subtree of the given item types in one round trip; later folder reads below cost nothing.</summary>
        public void FillChildren(string[] itemTypes)
        {
            Require();
            if (itemTypes == null) throw new ArgumentMIPException("FillChildren needs the item types to load, e.g. new[] { \"Hardware\", \"Camera\" }.");
            foreach (var t in itemTypes)
            {
                if (!Resolver.KnownTypes.Contains(t))
                    throw new ArgumentMIPException("FillChildren: '" + t + "' is not an item type; use one of " + string.Join(", ", Resolver.KnownTypes) + ".");
            }
            var st = Sessions.RoundTrip(sid);
            lock (st.Lock)
            {
                st.EnsureFresh();
                // The server call behind FillChildren came with XProtect 2020 R2 (20.2); older servers lack it.
                if (!ConfigurationService.AtLeast(st.VersionText, 20, 2))
                    throw new NotSupportedMIPException("FillChildren needs a management server of version 20.2 (2020 R2) or later; " + sid.Uri + " runs " + st.VersionText + ".");
                foreach (var t in itemTypes)
                    if (t.StartsWith("PrivacyProtection", StringComparison.OrdinalIgnoreCase)) st.RequireLicence("PrivacyMask");
            }
            lock (childCache) childCache.Clear();
            // FillChildren asks the server afresh, so it also renews the process-wide lists below this item.
            if (Array.IndexOf(itemTypes, "Hardware") >= 0) DropShared(path);
            // Group lists nest by id ("CameraGroup[id]/CameraFolder"), not below the folder's path: renew them all.
            if (Array.IndexOf(itemTypes, "CameraGroup") >= 0 || Array.IndexOf(itemTypes, "Camera") >= 0) DropSharedGroups();
            own = new FillScope(itemTypes, inherited);
        }

        /// <summary>A child folder object, made once per cache lifetime (making it is free; its list costs).</summary>
        internal T Folder<T>(string folderName) where T : IConfigurationItem, new()
        {
            Require();
            lock (childCache)
            {
                object o;
                if (childCache.TryGetValue(folderName, out o)) return (T)o;
                var f = new T();
                f.Bind(sid, folderName, (path == "/" ? "" : path) + "/" + folderName, path, ownerType ?? itemType, ownerId, null, null, Effective);
                f.values.Set("Name", folderName);
                f.owner = this;
                childCache[folderName] = f;
                return f;
            }
        }

        internal IConfigurationItem owner;

        /// <summary>
        /// A folder's item list: cached; the first read costs one round trip unless FillChildren covered childType.
        /// build runs under the store lock and gets the folder owner's document entry.
        /// </summary>
        internal List<T> Children<T>(string childType, Func<SiteStore, Entry, List<T>> build)
        {
            Require();
            string key = "list:" + childType;
            lock (childCache)
            {
                object o;
                if (childCache.TryGetValue(key, out o)) return (List<T>)o;
            }
            var scope = Effective;
            SiteStore st = scope != null && scope.Covers(childType) ? SiteStore.Open(sid.HostKey) : Sessions.RoundTrip(sid);
            if (st == null) throw new CommunicationMIPException("Server " + sid.Uri + " is gone.");
            List<T> list;
            lock (st.Lock)
            {
                st.EnsureFresh();
                var entry = st.Find(ownerType, ownerId);
                if (entry == null) throw new PathNotFoundMIPException("Path '" + parentPath + "' no longer exists on " + sid.Uri + ".");
                list = build(st, entry);
            }
            lock (childCache)
            {
                object o;
                if (childCache.TryGetValue(key, out o)) return (List<T>)o;
                childCache[key] = list;
            }
            return list;
        }

        /// <summary>Items of one indexed collection under entry's container, bound with this folder's scope.</summary>
        internal List<T> Collection<T>(SiteStore st, Entry entry, string collectionKey, string childType) where T : IConfigurationItem, new()
        {
            var result = new List<T>();
            var arr = st.ContainerOf(entry).Arr(collectionKey);
            if (arr == null) return result;
            foreach (var o in arr)
            {
                var node = o as JObj;
                if (node == null) continue;
                // A driver's Id repeats on every recorder of a site: take this recorder's one.
                var e = childType == "HardwareDriver" ? st.DriverOn(entry, "HardwareDriver[" + node.Str("Id") + "]") : st.Find(node.Str("Id"));
                if (e == null) continue;
                result.Add(Resolver.MakeIndexed<T>(sid, e, Effective));
            }
            return result;
        }

        // ---- saving ------------------------------------------------------------------------------

        /// <summary>The items written by Save(): this one plus any child items that travel with it.</summary>
        internal virtual IEnumerable<IConfigurationItem> SaveParts() { yield return this; }

        internal virtual void Validate(SiteStore st, ValidateResult vr)
        {
            if (values.Has("Name") && string.IsNullOrWhiteSpace(S("Name")))
                vr.AddError("Name", "The name must not be empty.", "VMO61001");
        }

        public ValidateResult ValidateItem()
        {
            Require();
            var st = Sessions.RoundTrip(sid);
            var vr = new ValidateResult { ResultItem = Raw() };
            lock (st.Lock)
            {
                st.EnsureFresh();
                foreach (var part in SaveParts()) part.Validate(st, vr);
            }
            return vr;
        }

        public virtual void Save()
        {
            Require();
            if (locate == null) throw new NotSupportedMIPException(GetType().Name + " " + path + " cannot be saved.");
            var st = Sessions.RoundTrip(sid);
            var parts = new List<IConfigurationItem>(SaveParts());
            lock (st.Lock)
            {
                st.EnsureFresh();
                var vr = new ValidateResult { ResultItem = Raw() };
                var nodes = new List<JObj>();
                foreach (var part in parts)
                {
                    var node = part.locate == null ? null : part.locate(st);
                    if (node == null) throw new PathNotFoundMIPException("Cannot save '" + part.path + "': it no longer exists on " + sid.Uri + ".");
                    nodes.Add(node);
                    part.Validate(st, vr);
                }
                if (itemType == "PrivacyProtection") st.RequireLicence("PrivacyMask");
                var slow = st.FaultText("TimeoutOnSave", ownerId);
                if (slow != null) throw new TimeoutException(slow);
                var denied = st.FaultText("NotAuthorized", ownerId);
                if (denied != null) throw new NotAuthorizedMIPException(denied);
                var rejected = st.FaultText("RejectSave", ownerId);
                if (rejected != null) vr.AddError("", rejected, "FaultRejectSave");
                if (!vr.ValidatedOk) throw new ValidateResultException(vr);
                bool changed = false;
                for (int i = 0; i < parts.Count; i++)
                {
                    foreach (var key in parts[i].dirty)
                    {
                        nodes[i].Set(key, parts[i].ToStore(key, parts[i].values.Get(key)));
                        changed = true;
                    }
                }
                if (changed)
                {
                    st.Invalidate(st.Find(ownerId));
                    try { st.WriteThrough(); }
                    catch { st.Discard(); throw; }
                }
                Diagnostics.CountWrite(sid.HostKey);
            }
            foreach (var part in parts) part.dirty.Clear();
        }

        public override string ToString() { return (itemType ?? GetType().Name) + " " + path + " '" + Name + "'"; }
    }
}
