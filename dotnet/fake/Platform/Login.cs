// Credential helpers of VideoOS.Platform.Login, and the start-up hooks the SDK assembly calls.
using System;
using System.Net;
using FakeMip;

namespace VideoOS.Platform.Login
{
    public static class Util
    {
        /// <summary>A credential cache holding one credential for the server, under the given auth type ("Basic" or "Negotiate").</summary>
        public static CredentialCache BuildCredentialCache(Uri uri, string userName, string password, string authType)
        {
            if (uri == null) throw new ArgumentMIPException("BuildCredentialCache needs the server Uri.");
            if (string.IsNullOrEmpty(authType)) authType = "Negotiate";
            if (authType != "Basic" && authType != "Negotiate")
                throw new ArgumentMIPException("authType must be \"Basic\" or \"Negotiate\", not '" + authType + "'.");
            var cc = new CredentialCache();
            string domain = "";
            string user = userName ?? "";
            int slash = user.IndexOf('\\');
            if (slash > 0) { domain = user.Substring(0, slash); user = user.Substring(slash + 1); }
            cc.Add(uri, authType, new NetworkCredential(user, password ?? "", domain));
            return cc;
        }
    }
}

namespace VideoOS.Platform.Login
{
    /// <summary>What the SDK keeps about one logged-in site.</summary>
    public class LoginSettings
    {
        public Uri Uri { get; internal set; }
        public Guid Guid { get; internal set; }
        public ServerId ServerId { get; internal set; }
        public string UserName { get; internal set; }
        public bool IsOAuthConnection { get { return false; } }
    }

    public static class LoginSettingsCache
    {
        /// <summary>The log-in settings of a logged-in site by host name; null when none is logged in.</summary>
        public static LoginSettings GetLoginSettings(string hostName)
        {
            if (string.IsNullOrEmpty(hostName)) return null;
            string host = hostName.ToLowerInvariant();
            foreach (var h in Sessions.LoggedInHosts())
            {
                if (h != host) continue;
                var uri = Sessions.UriOf(h);
                var sid = Sites.ServerIdFor(h, uri);
                return sid == null ? null : new LoginSettings { Uri = uri, Guid = sid.Id, ServerId = sid, UserName = "" };
            }
            return null;
        }

        public static LoginSettings GetLoginSettings(FQID fqid)
        {
            return fqid == null || fqid.ServerId == null ? null : GetLoginSettings(fqid.ServerId.ServerHostname);
        }

        public static LoginSettings GetLoginSettings(Guid serverGuid)
        {
            foreach (var h in Sessions.LoggedInHosts())
            {
                var sid = Sites.ServerIdFor(h, Sessions.UriOf(h));
                if (sid != null && sid.Id == serverGuid) return GetLoginSettings(h);
            }
            return null;
        }
    }
}

namespace FakeMip
{
    /// <summary>Hooks for VideoOS.Platform.SDK.Environment (the SDK assembly sees these as internals).</summary>
    internal static class Startup
    {
        internal static void Initialize()
        {
            // Check the settings before changing anything, so a bad one leaves the previous state intact.
            int delay = Diagnostics.ReadDelayFromEnvironment();
            ConfigurationApiHost.StopAll();
            SiteStore.SetWorld(System.Environment.GetEnvironmentVariable("SMARTSYNC_FAKE_WORLD"));
            Sessions.Reset();
            Diagnostics.DelayMilliseconds = delay;
        }
    }
}
