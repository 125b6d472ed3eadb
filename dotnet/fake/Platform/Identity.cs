// Identities of servers and sites (ServerId, FQID, Item) and the EnvironmentManager
// that hands out the logged-in sites, shaped like the real VideoOS.Platform types.
using System;
using System.Collections.Generic;
using FakeMip;

namespace VideoOS.Platform
{
    public class ServerId
    {
        public ServerId() { }

        public ServerId(string serverType, string serverHostname, int serverport, Guid id)
        {
            ServerType = serverType;
            ServerHostname = serverHostname;
            Serverport = serverport;
            Id = id;
        }

        public string ServerType { get; set; }
        public string ServerHostname { get; set; }
        public int Serverport { get; set; }
        public string ServerScheme { get; set; } = "http";
        public Guid Id { get; set; }

        public Uri Uri
        {
            get
            {
                var b = new UriBuilder(ServerScheme ?? "http", ServerHostname ?? "localhost", Serverport <= 0 ? 80 : Serverport);
                return b.Uri;
            }
        }

        /// <summary>Host name used to find the world document (lower case).</summary>
        internal string HostKey { get { return (ServerHostname ?? "").ToLowerInvariant(); } }

        public override string ToString() { return Uri.ToString(); }
    }

    public class FQID
    {
        public FQID() { }

        public FQID(ServerId serverId) { ServerId = serverId; ObjectId = serverId.Id; Kind = VideoOS.Platform.Kind.Server; }

        public ServerId ServerId { get; set; }
        public Guid ObjectId { get; set; }
        public string ObjectIdString { get; set; }
        public Guid ParentId { get; set; }
        public Guid Kind { get; set; }

        public override string ToString() { return (ServerId == null ? "?" : ServerId.ToString()) + " " + ObjectId; }
    }

    /// <summary>Kinds of items in the site tree (the real SDK has many; the fake serves sites only).</summary>
    public static class Kind
    {
        public static readonly Guid Server = new Guid("5ab7a2d2-6e7f-4b5e-9b1e-1f2a0c0d5e01");
    }

    /// <summary>A site in the environment; children are the federated child sites.</summary>
    public class Item
    {
        private readonly List<string> childHosts;

        public Item() { childHosts = new List<string>(); }

        internal Item(FQID fqid, string name, List<string> childHosts)
        {
            FQID = fqid;
            Name = name;
            this.childHosts = childHosts ?? new List<string>();
        }

        public FQID FQID { get; set; }
        public string Name { get; set; }
        public bool HasChildren { get { return childHosts.Count > 0; } }

        public List<Item> GetChildren()
        {
            var result = new List<Item>();
            foreach (var host in childHosts)
            {
                var item = Sites.SiteItemForHost(host, null);
                if (item != null) result.Add(item);
            }
            return result;
        }

        public override string ToString() { return Name; }
    }

    public class EnvironmentManager
    {
        private static readonly EnvironmentManager instance = new EnvironmentManager();
        public static EnvironmentManager Instance { get { return instance; } }

        /// <summary>The first site logged in to (the real SDK's single master site).</summary>
        public FQID MasterSite
        {
            get
            {
                var host = Sessions.FirstLoggedInHost();
                if (host == null) throw new InvalidOperationMIPException("Not logged in: call VideoOS.Platform.SDK.Environment.Login first.");
                var item = Sites.SiteItemForHost(host, Sessions.UriOf(host));
                return item.FQID;
            }
        }

        public FQID CurrentSite { get { return MasterSite; } }

        public Item GetSiteItem(FQID fqid)
        {
            if (fqid == null || fqid.ServerId == null) throw new ArgumentMIPException("GetSiteItem needs an FQID with a ServerId.");
            var item = Sites.SiteItemForHost(fqid.ServerId.HostKey, fqid.ServerId.Uri);
            if (item == null) throw new PathNotFoundMIPException("No site " + fqid.ServerId.Uri + " in this environment.");
            return item;
        }

        /// <summary>The site whose management server has this id (ServerId.Id), or null.</summary>
        public Item GetSiteItem(Guid serverGuid)
        {
            foreach (var host in Sessions.LoggedInHosts())
            {
                var item = FindSite(host, serverGuid);
                if (item != null) return item;
            }
            return null;
        }

        private static Item FindSite(string host, Guid id)
        {
            var item = Sites.SiteItemForHost(host, Sessions.UriOf(host));
            if (item == null) return null;
            if (item.FQID.ServerId.Id == id) return item;
            foreach (var child in item.GetChildren())
            {
                var hit = FindSite(child.FQID.ServerId.HostKey, id);
                if (hit != null) return hit;
            }
            return null;
        }
    }
}

namespace FakeMip
{
    using VideoOS.Platform;

    internal static class Sites
    {
        /// <summary>ServerId of the site whose document is host.json; null when there is none.</summary>
        internal static ServerId ServerIdFor(string host, Uri uri)
        {
            var st = SiteStore.Open(host);
            if (st == null) return null;
            Guid id;
            lock (st.Lock)
            {
                st.EnsureFresh();
                var ms = st.Doc.Obj("ManagementServer");
                Guid.TryParse(ms == null ? null : ms.Str("Id"), out id);
            }
            int port = uri == null ? 80 : uri.Port;
            var sid = new ServerId("XPCO", host, port, id);
            if (uri != null) sid.ServerScheme = uri.Scheme;
            return sid;
        }

        internal static Item SiteItemForHost(string host, Uri uri)
        {
            var st = SiteStore.Open(host);
            if (st == null) return null;
            var sid = ServerIdFor(host, uri);
            string name;
            var children = new List<string>();
            lock (st.Lock)
            {
                var ms = st.Doc.Obj("ManagementServer");
                name = ms == null ? host : ms.Str("Name") ?? host;
                var cs = ms == null ? null : ms.Arr("ChildSites");
                if (cs != null) foreach (var c in cs) if (c is string) children.Add(((string)c).ToLowerInvariant());
            }
            var fqid = new FQID(sid);
            return new Item(fqid, name, children);
        }
    }
}
