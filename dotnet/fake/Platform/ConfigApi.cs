// The Configuration API's raw service (IConfigurationService) as the fake
// management server answers it: items by path, invoke items, and tasks that
// stay on the server until TaskCleanup. Raw-only methods (ReplaceHardware,
// VMS 2023 R1+) live here because the typed SDK has no method for them.
// ConfigurationApiHost.Endpoint serves it over WCF on loopback (one
// ServiceHost per site, BasicHttpBinding), so a client takes the same
// ChannelFactory path as against a real server's
// /ManagementServer/ConfigurationApiService.svc; Open hands it out in-process.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.ServiceModel;
using FakeMip.Json;
using VideoOS.ConfigurationApi.ClientService;
using VideoOS.Platform;
using VideoOS.Platform.ConfigurationItems;

namespace FakeMip
{
    /// <summary>Fake-only entry point: the raw service of one logged-in site.</summary>
    public static class ConfigurationApiHost
    {
        public static IConfigurationService Open(ServerId serverId)
        {
            if (serverId == null) throw new ArgumentMIPException("ConfigurationApiHost.Open needs a ServerId.");
            Sessions.RoundTrip(serverId);
            return new ConfigurationService(serverId);
        }

        private static readonly Dictionary<string, Tuple<ServiceHost, string>> hosts = new Dictionary<string, Tuple<ServiceHost, string>>();

        /// <summary>
        /// The loopback address where this site's service answers over WCF (started on first use). The fake's
        /// site host names do not resolve, so this stands in for https://&lt;server&gt;/ManagementServer/ConfigurationApiService.svc.
        /// It checks no credentials: the log-in that made the ServerId already did.
        /// </summary>
        public static string Endpoint(ServerId serverId)
        {
            if (serverId == null) throw new ArgumentMIPException("ConfigurationApiHost.Endpoint needs a ServerId.");
            Sessions.RoundTrip(serverId);
            lock (hosts)
            {
                Tuple<ServiceHost, string> h;
                if (hosts.TryGetValue(serverId.HostKey, out h) && h.Item1.State == CommunicationState.Opened) return h.Item2;
                var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                int port = ((IPEndPoint)listener.LocalEndpoint).Port;
                listener.Stop();
                string url = "http://127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture) + "/ManagementServer/ConfigurationApiService.svc";
                var host = new ServiceHost(new ConfigurationService(serverId), new Uri(url));
                var binding = new BasicHttpBinding(BasicHttpSecurityMode.None) { MaxReceivedMessageSize = 64 * 1024 * 1024 };
                host.AddServiceEndpoint(typeof(IConfigurationService), binding, "");
                host.Open();
                hosts[serverId.HostKey] = Tuple.Create(host, url);
                return url;
            }
        }

        /// <summary>Stops every loopback service (Environment.Initialize calls this).</summary>
        internal static void StopAll()
        {
            lock (hosts)
            {
                foreach (var h in hosts.Values)
                {
                    try { h.Item1.Close(); } catch (Exception) { h.Item1.Abort(); }
                }
                hosts.Clear();
            }
        }

        /// <summary>Tasks the site still keeps (not yet cleaned up with TaskCleanup).</summary>
        public static int OpenTasks(string host) { return RawTasks.Count(Diagnostics.Key(host)); }
    }

    internal sealed class RawTask
    {
        internal string Host;
        internal string Path;
        internal string State = "InProgress";
        internal int PollsLeft = ServerTask.PollsToFinish;
        internal string ErrorText = "";
        internal int ErrorCode;
        internal Func<SiteStore, Dictionary<string, string>> Work;
        internal List<string> FaultKeys = new List<string>();
        internal Dictionary<string, string> Result = new Dictionary<string, string>();
    }

    internal static class RawTasks
    {
        private static readonly Dictionary<string, RawTask> tasks = new Dictionary<string, RawTask>(StringComparer.OrdinalIgnoreCase);
        private static int next;

        internal static RawTask Start(string host, Func<SiteStore, Dictionary<string, string>> work, params string[] faultKeys)
        {
            lock (tasks)
            {
                next++;
                var t = new RawTask { Host = host, Path = "Task[" + next.ToString(CultureInfo.InvariantCulture) + "]", Work = work };
                t.FaultKeys.AddRange(faultKeys);
                tasks[host + "/" + t.Path] = t;
                return t;
            }
        }

        internal static RawTask Find(string host, string path)
        {
            lock (tasks) { RawTask t; return tasks.TryGetValue(host + "/" + path, out t) ? t : null; }
        }

        internal static bool Remove(string host, string path) { lock (tasks) return tasks.Remove(host + "/" + path); }

        internal static int Count(string host)
        {
            lock (tasks)
            {
                int n = 0;
                foreach (var t in tasks.Values) if (t.Host == host) n++;
                return n;
            }
        }
    }

    [ServiceBehavior(InstanceContextMode = InstanceContextMode.Single, ConcurrencyMode = ConcurrencyMode.Multiple,
        IncludeExceptionDetailInFaults = true)]
    internal sealed class ConfigurationService : IConfigurationService
    {
        private readonly ServerId sid;

        internal ConfigurationService(ServerId sid) { this.sid = sid; }

        private static readonly string[] ReplaceKeys = { "Address", "Port", "UseHttps", "HttpsPort", "UserName", "Password", "Driver", "CustomDriverData", "AllowDeletingDisabledDevices" };

        public ConfigurationItem GetItem(string path)
        {
            var st = Sessions.RoundTrip(sid);
            if (path != null && path.StartsWith("Task[", StringComparison.Ordinal)) return TaskItem(st, path, true);
            lock (st.Lock)
            {
                st.EnsureFresh();
                var e = Resolver.EntryFor(st, path ?? "");
                if (e == null) throw new PathNotFoundMIPException("Path '" + path + "' was not found on " + sid.Uri + ".");
                return ItemOf(st, e);
            }
        }

        public ConfigurationItem[] GetChildItems(string path)
        {
            var st = Sessions.RoundTrip(sid);
            lock (st.Lock)
            {
                st.EnsureFresh();
                var e = Resolver.EntryFor(st, path ?? "");
                if (e == null) throw new PathNotFoundMIPException("Path '" + path + "' was not found on " + sid.Uri + ".");
                var result = new List<ConfigurationItem>();
                foreach (var c in st.All()) if (c.Parent == e) result.Add(ItemOf(st, c));
                return result.ToArray();
            }
        }

        public ConfigurationItem InvokeMethod(ConfigurationItem item, string methodId)
        {
            if (item == null || string.IsNullOrEmpty(methodId)) throw new ArgumentMIPException("InvokeMethod needs an item and a method id.");
            var st = Sessions.RoundTrip(sid);
            if (item.ItemType == "Task" && methodId == "TaskCleanup")
            {
                if (!RawTasks.Remove(sid.HostKey, item.Path))
                    throw new PathNotFoundMIPException("Task '" + item.Path + "' is not on " + sid.Uri + " (already cleaned up?).");
                return new ConfigurationItem { Path = item.Path, ItemType = "Task", DisplayName = "Task" };
            }
            if (methodId != "ReplaceHardware")
                throw new ArgumentMIPException("Method '" + methodId + "' is not offered by " + item.Path + " on " + sid.Uri + ".");
            string version;
            lock (st.Lock)
            {
                st.EnsureFresh();
                version = st.Doc.Obj("ManagementServer").Str("Version") ?? "";
            }
            if (!AtLeast(version, 23, 1))
                throw new ArgumentMIPException("Method 'ReplaceHardware' is not offered by " + item.Path + ": this management server runs version " + version + " (the method came with 23.1, XProtect 2023 R1).");
            if (item.ItemType == "Hardware") return ReplaceInvoke(st, item.Path);
            if (item.ItemType == "InvokeInfo") return StartReplace(item);
            throw new ArgumentMIPException("Method 'ReplaceHardware' is offered by Hardware items, not by " + item.ItemType + " " + item.Path + ".");
        }

        internal static bool AtLeast(string version, int major, int minor)
        {
            var parts = (version ?? "").Split('.');
            int a, b = 0;
            if (parts.Length == 0 || !int.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out a)) return false;
            if (parts.Length > 1) int.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out b);
            return a > major || (a == major && b >= minor);
        }

        private ConfigurationItem ItemOf(SiteStore st, Entry e)
        {
            var item = new ConfigurationItem { Path = e.Path, ItemType = e.Type, DisplayName = e.Node.Str("Name") ?? e.Path };
            item.ParentPath = e.Parent == null ? null : e.Parent.Path;
            var props = new List<Property>();
            foreach (var kv in e.Node.Pairs())
            {
                if (kv.Value is JObj || kv.Value is List<object> || kv.Key == "Password") continue;
                props.Add(new Property(kv.Key, IConfigurationItem.Text(kv.Value)));
            }
            item.Properties = props.ToArray();
            string version = st.Doc.Obj("ManagementServer").Str("Version") ?? "";
            item.MethodIds = e.Type == "Hardware" && AtLeast(version, 23, 1) ? new[] { "ReplaceHardware" } : new string[0];
            return item;
        }

        /// <summary>The invoke item: the current connection of the hardware, to be edited and invoked again.</summary>
        private ConfigurationItem ReplaceInvoke(SiteStore st, string hardwarePath)
        {
            lock (st.Lock)
            {
                st.EnsureFresh();
                var h = Resolver.EntryFor(st, hardwarePath ?? "");
                if (h == null || h.Type != "Hardware") throw new PathNotFoundMIPException("Hardware '" + hardwarePath + "' was not found on " + sid.Uri + ".");
                Uri u;
                Uri.TryCreate(h.Node.Str("Address") ?? "", UriKind.Absolute, out u);
                var driver = st.DriverOn(h.Parent, h.Node.Str("HardwareDriverPath"));
                var inv = new ConfigurationItem { Path = hardwarePath, ItemType = "InvokeInfo", DisplayName = "Replace hardware", MethodIds = new[] { "ReplaceHardware" } };
                bool https = u != null && u.Scheme == "https";
                inv.Properties = new[]
                {
                    new Property("Address", u == null ? "" : u.Host),
                    new Property("Port", https ? "80" : (u == null ? "80" : u.Port.ToString(CultureInfo.InvariantCulture))),
                    new Property("UseHttps", https ? "True" : "False"),
                    new Property("HttpsPort", https ? u.Port.ToString(CultureInfo.InvariantCulture) : "443"),
                    new Property("UserName", h.Node.Str("UserName") ?? ""),
                    new Property("Password", ""),
                    new Property("Driver", driver == null ? "" : IConfigurationItem.Text(driver.Node.Get("Number"))),
                    new Property("CustomDriverData", ""),
                    new Property("AllowDeletingDisabledDevices", "False"),
                };
                return inv;
            }
        }

        private static string Need(ConfigurationItem inv, string key)
        {
            var v = inv.Value(key);
            if (v == null) throw new ArgumentMIPException("ReplaceHardware: the invoke item has no '" + key + "'; take it from InvokeMethod(hardware, \"ReplaceHardware\").");
            return v;
        }

        private static int Port(string what, string text)
        {
            int p;
            if (!int.TryParse((text ?? "").Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out p) || p < 1 || p > 65535)
                throw new ArgumentMIPException("ReplaceHardware: " + what + " must be a port number from 1 to 65535, not '" + text + "'.");
            return p;
        }

        private static bool Flag(string what, string text)
        {
            bool b;
            if (!bool.TryParse((text ?? "").Trim(), out b)) throw new ArgumentMIPException("ReplaceHardware: " + what + " is True or False, not '" + text + "'.");
            return b;
        }

        private ConfigurationItem StartReplace(ConfigurationItem inv)
        {
            foreach (var k in ReplaceKeys) Need(inv, k);
            string host = Need(inv, "Address").Trim();
            if (host.Length == 0 || host.Contains("/") || host.Contains(":") && !host.StartsWith("[", StringComparison.Ordinal))
                throw new ArgumentMIPException("ReplaceHardware: Address is the device's host name or IP address only (no scheme, port or path), not '" + host + "'.");
            bool https = Flag("UseHttps", Need(inv, "UseHttps"));
            int port = Port("Port", Need(inv, "Port"));
            int httpsPort = Port("HttpsPort", Need(inv, "HttpsPort"));
            Flag("AllowDeletingDisabledDevices", Need(inv, "AllowDeletingDisabledDevices"));
            long number;
            if (!long.TryParse(Need(inv, "Driver").Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out number))
                throw new ArgumentMIPException("ReplaceHardware: Driver is the driver's Number, not '" + Need(inv, "Driver") + "'.");
            string user = Need(inv, "UserName"), password = Need(inv, "Password");
            var b = new UriBuilder(https ? "https" : "http", host, https ? httpsPort : port);
            string address = b.Uri.ToString();
            var template = Operations.Probe(address);
            string hwPath = inv.Path, hostKey = sid.HostKey;
            string hwId = IdOf(hwPath);
            var task = RawTasks.Start(hostKey, st =>
            {
                var h = st.Find("Hardware", hwId);
                if (h == null) throw new TaskFailure("Hardware " + hwPath + " no longer exists.");
                Entry driver = null;
                var drivers = h.Parent.Node.Arr("HardwareDrivers");
                if (drivers != null)
                    foreach (var o in drivers)
                    {
                        var d = o as JObj;
                        if (d != null && d.Get("Number") is long && (long)d.Get("Number") == number) driver = st.DriverOn(h.Parent, "HardwareDriver[" + d.Str("Id") + "]");
                    }
                if (driver == null)
                    throw new TaskFailure("Recording server '" + h.Parent.Node.Str("Name") + "' has no hardware driver number " + number + ".");
                var clash = Operations.HardwareWithAddress(st, h.Parent, address, hwId);
                if (clash != null)
                    throw new TaskFailure("Hardware with address " + address + " already exists on recording server '" + h.Parent.Node.Str("Name") +
                        "' (hardware '" + clash.Node.Str("Name") + "').");
                h.Node.Set("Address", address);
                h.Node.Set("HardwareDriverPath", driver.Path);
                if (!string.IsNullOrEmpty(user)) h.Node.Set("UserName", user);
                if (!string.IsNullOrEmpty(password)) h.Node.Set("Password", password);
                h.Node.Set("Model", template != null && template.Str("Model") != null ? template.Str("Model") : driver.Node.Str("Name"));
                st.Invalidate(h);
                return new Dictionary<string, string> { { "HardwareId", hwId } };
            }, "ReplaceHardware", hwId);
            return Snapshot(task);
        }

        private static string IdOf(string path)
        {
            string t, id;
            return Resolver.Split(path, out t, out id) ? id : path;
        }

        /// <summary>The task as an item; reading it once is a poll (the work lands on the last one).</summary>
        private ConfigurationItem TaskItem(SiteStore st, string path, bool poll)
        {
            var t = RawTasks.Find(sid.HostKey, path);
            if (t == null) throw new PathNotFoundMIPException("Task '" + path + "' is not on " + sid.Uri + ".");
            lock (t)
            {
                if (poll && t.State == "InProgress" && --t.PollsLeft <= 0) Run(st, t);
                return Snapshot(t);
            }
        }

        private void Run(SiteStore st, RawTask t)
        {
            lock (st.Lock)
            {
                st.EnsureFresh();
                foreach (var key in t.FaultKeys)
                {
                    var text = st.FaultText("FailTask", key);
                    if (text != null) { t.State = "Error"; t.ErrorText = text; t.ErrorCode = 500; return; }
                }
                try
                {
                    t.Result = t.Work(st);
                    st.WriteThrough();
                    Diagnostics.CountWrite(sid.HostKey);
                    string finish = null;
                    foreach (var key in t.FaultKeys) finish = finish ?? st.FaultText("FinishAs", key);
                    t.State = finish ?? "Success";
                }
                catch (TaskFailure f) { st.Discard(); t.State = "Error"; t.ErrorText = f.Message; t.ErrorCode = 400; }
                catch (Exception e) { st.Discard(); t.State = "Error"; t.ErrorText = e.Message; t.ErrorCode = 500; }
            }
        }

        private static ConfigurationItem Snapshot(RawTask t)
        {
            var item = new ConfigurationItem { Path = t.Path, ItemType = "Task", DisplayName = "Task", MethodIds = new[] { "TaskCleanup" } };
            var props = new List<Property>
            {
                new Property("State", t.State),
                new Property("Progress", t.State == "InProgress" ? "50" : "100"),
                new Property("ErrorText", t.ErrorText),
                new Property("ErrorCode", t.ErrorCode.ToString(CultureInfo.InvariantCulture)),
            };
            foreach (var kv in t.Result) props.Add(new Property(kv.Key, kv.Value));
            item.Properties = props.ToArray();
            return item;
        }
    }
}
