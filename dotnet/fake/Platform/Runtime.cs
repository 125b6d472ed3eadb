// The fake server side: world documents held in memory (SiteStore), login
// sessions, the round-trip meter (Diagnostics) and injected faults.
using System;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using FakeMip.Json;
using VideoOS.Platform;

namespace FakeMip
{
    /// <summary>Counts what the bridge costs the (fake) server. Fake-only: the real SDK has no such class.</summary>
    public static class Diagnostics
    {
        private static readonly object gate = new object();
        private static readonly Dictionary<string, int> roundTrips = new Dictionary<string, int>();
        private static readonly Dictionary<string, int> writes = new Dictionary<string, int>();
        private static readonly Dictionary<string, int> loads = new Dictionary<string, int>();
        private static readonly Dictionary<string, int> fileChecks = new Dictionary<string, int>();
        private static int totalRoundTrips;
        private static int totalWrites;
        private static int totalLoads;
        // A bad SMARTSYNC_FAKE_DELAY_MS must not break type initialisation; Initialize() reports it.
        private static int delayMs = SafeDelay();

        private static int SafeDelay()
        {
            try { return ReadDelayFromEnvironment(); }
            catch (ArgumentMIPException) { return 0; }
        }

        internal static int ReadDelayFromEnvironment()
        {
            var v = System.Environment.GetEnvironmentVariable("SMARTSYNC_FAKE_DELAY_MS");
            int ms;
            if (string.IsNullOrEmpty(v)) return 0;
            if (!int.TryParse(v.Trim(), out ms) || ms < 0)
                throw new ArgumentMIPException("SMARTSYNC_FAKE_DELAY_MS must be a whole number of milliseconds >= 0 (such as 50), or unset for no delay, not '" + v + "'.");
            return ms;
        }

        internal static string Key(string hostOrUri)
        {
            if (hostOrUri == null) return "";
            Uri u;
            if (hostOrUri.Contains("://") && Uri.TryCreate(hostOrUri, UriKind.Absolute, out u)) return u.Host.ToLowerInvariant();
            return hostOrUri.Trim().ToLowerInvariant();
        }

        public static int RoundTrips(string host)
        {
            lock (gate) { int n; return roundTrips.TryGetValue(Key(host), out n) ? n : 0; }
        }

        public static int TotalRoundTrips { get { lock (gate) return totalRoundTrips; } }

        public static int Writes(string host)
        {
            lock (gate) { int n; return writes.TryGetValue(Key(host), out n) ? n : 0; }
        }

        public static int TotalWrites { get { lock (gate) return totalWrites; } }

        /// <summary>How often the fake read, parsed and indexed a host's document (a cost of the fake, not of a server).</summary>
        public static int DocumentLoads(string host)
        {
            lock (gate) { int n; return loads.TryGetValue(Key(host), out n) ? n : 0; }
        }

        public static int TotalDocumentLoads { get { lock (gate) return totalLoads; } }

        /// <summary>How often the fake looked at a host's document file to see whether it changed (a stat).</summary>
        public static int FileChecks(string host)
        {
            lock (gate) { int n; return fileChecks.TryGetValue(Key(host), out n) ? n : 0; }
        }

        /// <summary>Sleep added to every round trip, like a real server's latency.</summary>
        public static int DelayMilliseconds
        {
            get { return Volatile.Read(ref delayMs); }
            set
            {
                if (value < 0) throw new ArgumentMIPException("DelayMilliseconds must be >= 0.");
                Volatile.Write(ref delayMs, value);
            }
        }

        public static void Reset()
        {
            lock (gate) { roundTrips.Clear(); writes.Clear(); loads.Clear(); fileChecks.Clear(); totalRoundTrips = 0; totalWrites = 0; totalLoads = 0; }
        }

        internal static void CountRoundTrip(string host)
        {
            lock (gate)
            {
                int n;
                roundTrips.TryGetValue(host, out n);
                roundTrips[host] = n + 1;
                totalRoundTrips++;
            }
        }

        internal static void CountFileCheck(string host)
        {
            lock (gate) { int n; fileChecks.TryGetValue(host, out n); fileChecks[host] = n + 1; }
        }

        internal static void CountLoad(string host)
        {
            lock (gate)
            {
                int n;
                loads.TryGetValue(host, out n);
                loads[host] = n + 1;
                totalLoads++;
            }
        }

        internal static void CountWrite(string host)
        {
            lock (gate)
            {
                int n;
                writes.TryGetValue(host, out n);
                writes[host] = n + 1;
                totalWrites++;
            }
        }
    }

    /// <summary>A configuration item found in a document, with its place in the tree.</summary>
    internal sealed class Entry
    {
        public JObj Node;
        public string Type;
        public string Id;
        public Entry Parent;
        public string Collection;

        public string Path { get { return Type == "ManagementServer" ? "/" : Type + "[" + Id + "]"; } }

        public Entry Ancestor(string type)
        {
            for (var e = this; e != null; e = e.Parent) if (e.Type == type) return e;
            return null;
        }
    }

    /// <summary>One site's document: parsed once, indexed by Id, written through atomically.</summary>
    internal sealed class SiteStore
    {
        /// <summary>Child collection key -> item type of its members.</summary>
        internal static readonly Dictionary<string, string> CollectionTypes = new Dictionary<string, string>
        {
            { "RecordingServers", "RecordingServer" }, { "Storages", "Storage" }, { "HardwareDrivers", "HardwareDriver" },
            { "Hardwares", "Hardware" }, { "Cameras", "Camera" }, { "Microphones", "Microphone" },
            { "Speakers", "Speaker" }, { "Metadatas", "Metadata" }, { "InputEvents", "InputEvent" },
            { "Outputs", "Output" }, { "PtzPresets", "PtzPreset" }, { "CameraGroups", "CameraGroup" },
            { "Roles", "Role" }, { "Users", "User" }, { "ViewGroups", "ViewGroup" }, { "Views", "View" },
        };

        private static readonly object registryLock = new object();
        private static readonly Dictionary<string, SiteStore> stores = new Dictionary<string, SiteStore>();
        private static string worldFolder;

        public readonly object Lock = new object();
        public readonly string Host;
        public readonly string FilePath;
        public JObj Doc;
        private Dictionary<string, Entry> index = new Dictionary<string, Entry>();
        // What the file on disk was when Doc was read from it or written to it; null: Doc must be (re)read.
        private FileStamp? stamp;
        // Round trips to this server so far, and how many there had been when the file was last looked at:
        // between two round trips a client sees what it last fetched, so the file is looked at once per call,
        // not once per item a bulk read walks (a cycle walks hundreds of thousands).
        private long trips;
        private long checkedAt = -1;

        private SiteStore(string host, string file) { Host = host; FilePath = file; }

        /// <summary>Selects the world folder. The same folder again keeps the parsed documents: a server does not
        /// forget its configuration because a client initialised its SDK again; EnsureFresh still re-reads a
        /// document whose file changed.</summary>
        internal static void SetWorld(string folder)
        {
            lock (registryLock)
            {
                if (!SameFolder(folder, worldFolder)) stores.Clear();
                // The documents are the server's and stay; the children lists are the client SDK's cache, which
                // a new Initialize starts without (as when every log-in re-read the documents).
                foreach (var st in stores.Values) lock (st.SharedLists) st.SharedLists.Clear();
                worldFolder = folder;
            }
        }

        private static bool SameFolder(string a, string b)
        {
            if (string.IsNullOrEmpty(a) || string.IsNullOrEmpty(b)) return false;
            try
            {
                return string.Equals(System.IO.Path.GetFullPath(a).TrimEnd('/'), System.IO.Path.GetFullPath(b).TrimEnd('/'),
                                     StringComparison.Ordinal);
            }
            catch (ArgumentException) { return false; }
        }

        internal static string WorldFolder
        {
            get
            {
                lock (registryLock)
                {
                    if (string.IsNullOrEmpty(worldFolder))
                        throw new InvalidOperationMIPException("No fake world: set SMARTSYNC_FAKE_WORLD to the folder of world documents, then call VideoOS.Platform.SDK.Environment.Initialize().");
                    return worldFolder;
                }
            }
        }

        /// <summary>The store of host.json, or null when the world has no such document.</summary>
        internal static SiteStore Open(string host)
        {
            host = (host ?? "").ToLowerInvariant();
            string folder = WorldFolder;
            lock (registryLock)
            {
                SiteStore st;
                if (stores.TryGetValue(host, out st)) return st;
                if (host.Length == 0 || host.IndexOfAny(System.IO.Path.GetInvalidFileNameChars()) >= 0) return null;
                string file = System.IO.Path.Combine(folder, host + ".json");
                if (!File.Exists(file)) return null;
                st = new SiteStore(host, file);
                stores[host] = st;
                return st;
            }
        }

        /// <summary>Host names of every document in the world folder.</summary>
        internal static List<string> AllHosts()
        {
            var hosts = new List<string>();
            foreach (var f in Directory.GetFiles(WorldFolder, "*.json"))
                hosts.Add(System.IO.Path.GetFileNameWithoutExtension(f).ToLowerInvariant());
            hosts.Sort(StringComparer.Ordinal);
            return hosts;
        }

        /// <summary>Reloads the document if it changed on disk since it was read or written here. Caller holds Lock.</summary>
        internal void EnsureFresh()
        {
            if (Doc != null && stamp.HasValue && checkedAt == trips) return;
            checkedAt = trips;
            Diagnostics.CountFileCheck(Host);
            FileStamp now;
            if (!FileStamp.TryRead(FilePath, out now))
                throw new CommunicationMIPException("The world document " + FilePath + " of server " + Host + " has disappeared.");
            if (Doc != null && stamp.HasValue && stamp.Value.Equals(now)) return;
            Diagnostics.CountLoad(Host);
            string text;
            try { text = File.ReadAllText(FilePath, Encoding.UTF8); }
            catch (IOException e) { throw Unusable("cannot be read (" + e.Message + ")"); }
            object parsed;
            try { parsed = JsonReader.Parse(text); }
            catch (JsonFormatException e) { throw Unusable("is " + e.Message); }
            var doc = parsed as JObj;
            if (doc == null || doc.Obj("ManagementServer") == null)
                throw Unusable("has no \"ManagementServer\" object at the top");
            // Checked before anything is indexed or served, so a wrong shape never reaches a reader or a write.
            string problems = WorldSchema.Problems(doc);
            if (problems != null) throw Unusable("breaks the world schema: " + problems);
            var newIndex = BuildIndex(doc);
            lock (SharedLists) SharedLists.Clear();
            Doc = doc;
            index = newIndex;
            // The stamp from before the read: a write that lands during the read changes the file again,
            // so the next call reads it rather than trusting a text that may be older than the file.
            stamp = now;
        }

        private InvalidOperationMIPException Unusable(string why)
        {
            return new InvalidOperationMIPException("The world document " + FilePath + " " + why +
                ". Fix the file or create it again with `python -m fakes`.");
        }

        internal void Reindex() { index = BuildIndex(Doc); }

        private Dictionary<string, Entry> drivers = new Dictionary<string, Entry>(StringComparer.OrdinalIgnoreCase);

        /// <summary>The driver with this path on one recorder, or null when that recorder has none.</summary>
        internal Entry DriverOn(Entry recorder, string driverPath)
        {
            string type, id;
            if (recorder == null || !VideoOS.Platform.ConfigurationItems.Resolver.Split(driverPath ?? "", out type, out id) || type != "HardwareDriver") return null;
            Entry e;
            return drivers.TryGetValue(recorder.Id + "/" + id.ToLowerInvariant(), out e) ? e : null;
        }

        /// <summary>
        /// Children lists of hardware folders, shared by every object of this process the way the real SDK's
        /// cache is: they survive the process's own add, move and delete until ClearChildrenCache(), and go
        /// when the document is read again from disk.
        /// </summary>
        internal readonly Dictionary<string, object> SharedLists = new Dictionary<string, object>(StringComparer.OrdinalIgnoreCase);

        private Dictionary<string, Entry> BuildIndex(JObj doc)
        {
            drivers = new Dictionary<string, Entry>(StringComparer.OrdinalIgnoreCase);
            var idx = new Dictionary<string, Entry>(StringComparer.OrdinalIgnoreCase);
            var ms = doc.Obj("ManagementServer");
            var root = new Entry { Node = ms, Type = "ManagementServer", Id = ms.Str("Id") ?? "" };
            if (root.Id.Length > 0) idx[root.Id] = root;
            Walk(doc, root, idx);
            return idx;
        }

        private void Walk(JObj container, Entry parent, Dictionary<string, Entry> idx)
        {
            for (int i = 0; i < container.Keys.Count; i++)
            {
                string type;
                if (!CollectionTypes.TryGetValue(container.Keys[i], out type)) continue;
                var list = container.Values[i] as List<object>;
                if (list == null) continue;
                foreach (var o in list)
                {
                    var node = o as JObj;
                    if (node == null) continue;
                    var id = node.Str("Id");
                    if (string.IsNullOrEmpty(id)) throw Unusable("has a " + type + " without an \"Id\"");
                    var e = new Entry { Node = node, Type = type, Id = id, Parent = parent, Collection = container.Keys[i] };
                    // A driver has one Id (so one path) on every recorder of a site; everything else is unique.
                    if (type == "HardwareDriver")
                    {
                        drivers[parent.Id + "/" + id.ToLowerInvariant()] = e;
                        if (idx.ContainsKey(id)) continue;
                    }
                    if (idx.ContainsKey(id)) throw Unusable("uses the Id " + id + " twice; every Id must be unique in its document");
                    idx[id] = e;
                    if (type == "Hardware") node.Cacheable = true;
                    Walk(node, e, idx);
                }
            }
        }

        /// <summary>The object holding an entry's child collections (the document root for the management server).</summary>
        internal JObj ContainerOf(Entry e) { return e.Type == "ManagementServer" ? Doc : e.Node; }

        internal Entry Root
        {
            get
            {
                var ms = Doc.Obj("ManagementServer");
                Entry e;
                if (index.TryGetValue(ms.Str("Id") ?? "", out e)) return e;
                return new Entry { Node = ms, Type = "ManagementServer", Id = "" };
            }
        }

        internal Entry Find(string id)
        {
            Entry e;
            return id != null && index.TryGetValue(id, out e) ? e : null;
        }

        internal Entry Find(string type, string id)
        {
            if (type == "ManagementServer") return Root;
            var e = Find(id);
            return e != null && e.Type == type ? e : null;
        }

        internal IEnumerable<Entry> All() { return index.Values; }

        /// <summary>Forgets the cached text of everything that contains e (call after changing e).</summary>
        internal void Invalidate(Entry e)
        {
            for (; e != null; e = e.Parent) { e.Node.Cached = null; }
        }

        internal JObj Faults { get { return Doc.Obj("Faults"); } }

        /// <summary>Sleep per round trip to this site: its own fault DelayMilliseconds (re-read with the document,
        /// so it can change while a session runs) or else the process-wide SMARTSYNC_FAKE_DELAY_MS. Caller holds Lock.</summary>
        internal int DelayMilliseconds
        {
            get
            {
                object v = Faults == null ? null : Faults.Get("DelayMilliseconds");
                return v is long ? (int)(long)v : Diagnostics.DelayMilliseconds;
            }
        }

        /// <summary>Drops the in-memory document so the next EnsureFresh reads the file (after a failed change).</summary>
        internal void Discard() { Doc = null; stamp = null; }

        /// <summary>A call reached the server: the next EnsureFresh looks at the file again. Caller holds Lock.</summary>
        internal void CountCall() { trips++; }

        /// <summary>True when the management server lacks the licence for feature (ManagementServer.UnlicensedFeatures).</summary>
        internal bool Unlicensed(string feature)
        {
            var ms = Doc == null ? null : Doc.Obj("ManagementServer");
            var arr = ms == null ? null : ms.Arr("UnlicensedFeatures");
            if (arr == null) return false;
            foreach (var o in arr) if (o is string && string.Equals((string)o, feature, StringComparison.OrdinalIgnoreCase)) return true;
            return false;
        }

        /// <summary>The VMS's answer to a read or write of a feature it has no licence for (a WCF fault, as the real server sends).</summary>
        internal void RequireLicence(string feature)
        {
            if (Unlicensed(feature)) throw new System.ServiceModel.FaultException("VMS64001: The feature is not licensed");
        }

        /// <summary>ManagementServer.Version as the document holds it ("" when absent).</summary>
        internal string VersionText
        {
            get
            {
                var ms = Doc == null ? null : Doc.Obj("ManagementServer");
                return ms == null ? "" : ms.Str("Version") ?? "";
            }
        }

        internal string FaultText(string table, string key)
        {
            var f = Faults;
            var t = f == null ? null : f.Obj(table);
            return t == null || key == null ? null : t.Str(key);
        }

        [DllImport("libc", SetLastError = true, EntryPoint = "rename")]
        private static extern int SysRename(string from, string to);

        /// <summary>Writes the whole document: a temp file in the same folder, then rename, so readers see old or new.</summary>
        internal void WriteThrough()
        {
            string dir = System.IO.Path.GetDirectoryName(FilePath);
            string tmp = System.IO.Path.Combine(dir, "." + Host + ".json." + System.Diagnostics.Process.GetCurrentProcess().Id + "." + Thread.CurrentThread.ManagedThreadId + ".tmp");
            try
            {
                using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
                    JsonWriter.WriteTo(fs, Doc);
            }
            catch (IOException e)
            {
                // A full disk (or a quota) fails the write or the close: the document stays as it was, and no
                // half-written temp file is left beside it.
                try { File.Delete(tmp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
                throw new CommunicationMIPException("Could not write the world document " + FilePath + ": " + e.Message);
            }
            if (SysRename(tmp, FilePath) != 0)
            {
                int err = Marshal.GetLastWin32Error();
                try { File.Delete(tmp); } catch (IOException) { }
                throw new CommunicationMIPException("Could not write the world document " + FilePath + " (errno " + err + ").");
            }
            FileStamp written;
            stamp = FileStamp.TryRead(FilePath, out written) ? written : (FileStamp?)null;
        }
    }

    /// <summary>What identifies one version of a file without reading it: device, inode, size, and the
    /// modification and status-change times to the nanosecond. A rewrite changes mtime and ctime; an atomic
    /// replace changes the inode; restoring the old mtime (touch -d, os.utime) still changes ctime.</summary>
    internal struct FileStamp : IEquatable<FileStamp>
    {
        private ulong dev, ino;
        private long size, mtimeSec, mtimeNsec, ctimeSec, ctimeNsec;

        /// <summary>False when the file does not exist (or cannot be stat'ed).</summary>
        internal static bool TryRead(string path, out FileStamp stamp)
        {
            stamp = default(FileStamp);
            Mono.Unix.Native.Stat st;
            if (Mono.Unix.Native.Syscall.stat(path, out st) != 0) return false;
            if ((st.st_mode & Mono.Unix.Native.FilePermissions.S_IFMT) != Mono.Unix.Native.FilePermissions.S_IFREG) return false;
            stamp.dev = st.st_dev;
            stamp.ino = st.st_ino;
            stamp.size = st.st_size;
            stamp.mtimeSec = st.st_mtime;
            stamp.mtimeNsec = st.st_mtime_nsec;
            stamp.ctimeSec = st.st_ctime;
            stamp.ctimeNsec = st.st_ctime_nsec;
            return true;
        }

        public bool Equals(FileStamp o)
        {
            return dev == o.dev && ino == o.ino && size == o.size && mtimeSec == o.mtimeSec && mtimeNsec == o.mtimeNsec
                && ctimeSec == o.ctimeSec && ctimeNsec == o.ctimeNsec;
        }

        public override bool Equals(object o) { return o is FileStamp && Equals((FileStamp)o); }

        public override int GetHashCode() { return ino.GetHashCode() ^ size.GetHashCode() ^ mtimeNsec.GetHashCode(); }
    }

    internal sealed class Session
    {
        public string Host;
        public Uri Uri;
        public int RoundTrips;
        public bool Dropped;
    }

    internal enum LoginResult { Ok, NotFound, BadCredentials, Refused, NotAdded }

    /// <summary>Servers added to the environment and the live login sessions.</summary>
    internal static class Sessions
    {
        private sealed class Added { public Uri Uri; public CredentialCache Credentials; public bool SecureOnly; }

        private static readonly object gate = new object();
        private static readonly Dictionary<string, Added> added = new Dictionary<string, Added>();
        private static readonly Dictionary<string, Session> live = new Dictionary<string, Session>();
        private static readonly List<string> order = new List<string>();
        private static readonly Dictionary<string, object> serverLocks = new Dictionary<string, object>();

        internal static string HostOf(Uri uri)
        {
            if (uri == null) throw new ArgumentMIPException("A server Uri is required (for example http://ms-primary/).");
            return uri.Host.ToLowerInvariant();
        }

        internal static void Reset()
        {
            lock (gate) { added.Clear(); live.Clear(); order.Clear(); }
        }

        internal static void AddServer(bool secureOnly, Uri uri, CredentialCache cc)
        {
            var host = HostOf(uri);
            lock (gate) added[host] = new Added { Uri = uri, Credentials = cc, SecureOnly = secureOnly };
        }

        internal static void RemoveServer(Uri uri)
        {
            var host = HostOf(uri);
            lock (gate) { added.Remove(host); live.Remove(host); order.Remove(host); }
        }

        internal static void RemoveAll()
        {
            lock (gate) { added.Clear(); live.Clear(); order.Clear(); }
        }

        internal static void LogoutAll()
        {
            lock (gate) { live.Clear(); order.Clear(); }
        }

        internal static bool IsLoggedIn(Uri uri)
        {
            var host = HostOf(uri);
            lock (gate) { Session s; return live.TryGetValue(host, out s) && !s.Dropped; }
        }

        internal static string FirstLoggedInHost()
        {
            lock (gate) { foreach (var h in order) if (!live[h].Dropped) return h; return null; }
        }

        internal static List<string> LoggedInHosts()
        {
            lock (gate) { var r = new List<string>(); foreach (var h in order) if (!live[h].Dropped) r.Add(h); return r; }
        }

        internal static Uri UriOf(string host)
        {
            lock (gate) { Session s; return live.TryGetValue(host, out s) ? s.Uri : null; }
        }

        private static NetworkCredential CredentialFor(Added a)
        {
            if (a.Credentials == null) return null;
            var c = a.Credentials.GetCredential(a.Uri, "Basic") ?? a.Credentials.GetCredential(a.Uri, "Negotiate");
            if (c != null) return c;
            foreach (var o in a.Credentials) { var nc = o as NetworkCredential; if (nc != null) return nc; }
            return null;
        }

        /// <summary>Checks the user against the document; message says why it failed (never the password).</summary>
        internal static LoginResult Login(Uri uri, out string message)
        {
            var host = HostOf(uri);
            message = null;
            Added a;
            lock (gate)
            {
                if (!added.TryGetValue(host, out a)) a = CredentialsFromParent(host, uri);
            }
            if (a == null)
            {
                message = "Server " + uri + " was not added: call Environment.AddServer(secureOnly, uri, credentials) before Login.";
                return LoginResult.NotAdded;
            }
            var st = SiteStore.Open(host);
            if (st == null)
            {
                message = "Server " + uri + " not found: the fake world " + SiteStore.WorldFolder + " has no document " + host + ".json.";
                return LoginResult.NotFound;
            }
            string refuse;
            JObj ms;
            int delay;
            lock (st.Lock)
            {
                st.CountCall();
                st.EnsureFresh();
                refuse = st.FaultText("RefuseLogin", null) ?? (st.Faults == null ? null : st.Faults.Str("RefuseLogin"));
                ms = st.Doc.Obj("ManagementServer");
                delay = st.DelayMilliseconds;
            }
            RoundTripUnchecked(host, delay);
            if (refuse != null)
            {
                message = "Login to " + uri + " failed: " + refuse;
                return LoginResult.Refused;
            }
            if (a.SecureOnly && uri.Scheme != "https")
            {
                message = "Login to " + uri + " failed: a secure-only connection was requested but the address is not https.";
                return LoginResult.Refused;
            }
            var cred = CredentialFor(a);
            string user = cred == null ? null : cred.UserName;
            bool ok = false;
            lock (st.Lock)
            {
                var users = ms.Arr("Users");
                if (users != null && cred != null)
                {
                    foreach (var o in users)
                    {
                        var u = o as JObj;
                        if (u != null && string.Equals(u.Str("Name"), user, StringComparison.OrdinalIgnoreCase) && u.Str("Password") == cred.Password)
                        {
                            ok = true;
                            break;
                        }
                    }
                }
            }
            if (!ok)
            {
                message = "Login to " + uri + " failed: invalid credentials for user '" + (user ?? "(none)") + "'.";
                return LoginResult.BadCredentials;
            }
            lock (gate)
            {
                live[host] = new Session { Host = host, Uri = uri };
                if (!order.Contains(host)) order.Add(host);
            }
            return LoginResult.Ok;
        }

        /// <summary>A federated child not added on its own logs in with its parent's credentials, like the real SDK.</summary>
        private static Added CredentialsFromParent(string host, Uri uri)
        {
            foreach (var kv in live)
            {
                Added pa;
                if (!added.TryGetValue(kv.Key, out pa)) continue;
                var st = SiteStore.Open(kv.Key);
                if (st == null) continue;
                lock (st.Lock)
                {
                    var ms = st.Doc == null ? null : st.Doc.Obj("ManagementServer");
                    var cs = ms == null ? null : ms.Arr("ChildSites");
                    if (cs == null) continue;
                    foreach (var c in cs)
                        if (c is string && string.Equals((string)c, host, StringComparison.OrdinalIgnoreCase))
                            return new Added { Uri = uri, Credentials = pa.Credentials, SecureOnly = pa.SecureOnly };
                }
            }
            return null;
        }

        internal static void Logout(string host)
        {
            lock (gate) { live.Remove(host); order.Remove(host); }
        }

        private static object ServerLock(string host)
        {
            lock (serverLocks)
            {
                object l;
                if (!serverLocks.TryGetValue(host, out l)) { l = new object(); serverLocks[host] = l; }
                return l;
            }
        }

        private static void RoundTripUnchecked(string host, int d)
        {
            lock (ServerLock(host))
            {
                Diagnostics.CountRoundTrip(host);
                if (d > 0) Thread.Sleep(d);
            }
        }

        private static long Count(JObj faults, string key)
        {
            object v = faults == null ? null : faults.Get(key);
            if (v is long) return (long)v;
            if (v is double) return (long)(double)v;
            return -1;
        }

        /// <summary>One call to the server: needs a live session, obeys DropAfterRoundTrips, counts, waits the delay.</summary>
        internal static SiteStore RoundTrip(ServerId sid)
        {
            if (sid == null) throw new ArgumentMIPException("This item has no ServerId.");
            var host = sid.HostKey;
            Session s;
            lock (gate)
            {
                if (!live.TryGetValue(host, out s))
                    throw new InvalidOperationMIPException("Not logged in to " + sid.Uri + ": call Environment.Login first.");
            }
            var st = SiteStore.Open(host);
            if (st == null) throw new CommunicationMIPException("Server " + sid.Uri + " is gone: its world document no longer exists.");
            lock (ServerLock(host))
            {
                if (s.Dropped) throw new CommunicationMIPException("The connection to " + sid.Uri + " was lost; log in again.");
                long drop, timeout, broken;
                int d;
                lock (st.Lock)
                {
                    st.CountCall();
                    st.EnsureFresh();
                    var f = st.Faults;
                    drop = Count(f, "DropAfterRoundTrips");
                    timeout = Count(f, "TimeoutAfterRoundTrips");
                    broken = Count(f, "CommunicationErrorAfterRoundTrips");
                    d = st.DelayMilliseconds;
                }
                if (drop >= 0 && s.RoundTrips >= drop)
                {
                    s.Dropped = true;
                    throw new CommunicationMIPException("The connection to " + sid.Uri + " was lost after " + drop + " calls (fault DropAfterRoundTrips).");
                }
                // WCF faults reach the caller as WCF's own exceptions; the session stays logged in, as with the
                // real SDK, and every call fails the same way while the fault is set.
                if (timeout >= 0 && s.RoundTrips >= timeout)
                    throw new TimeoutException("The request to " + sid.Uri + "ManagementServer/ConfigurationApiService.svc timed out waiting for a reply after 00:05:00 (fault TimeoutAfterRoundTrips).");
                if (broken >= 0 && s.RoundTrips >= broken)
                    throw new System.ServiceModel.CommunicationException("The socket connection to " + sid.Uri + " was aborted by the remote host (fault CommunicationErrorAfterRoundTrips).");
                s.RoundTrips++;
                Diagnostics.CountRoundTrip(host);
                if (d > 0) Thread.Sleep(d);
            }
            return st;
        }
    }
}
