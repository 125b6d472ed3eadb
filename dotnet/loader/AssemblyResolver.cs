// SmartSync.Loader.AssemblyResolver: makes every assembly of the SDK folder
// resolvable, whatever version another assembly asks for. A real MIP SDK
// install is about a hundred assemblies whose references do not always
// agree on versions (e.g. Newtonsoft.Json), and a host such as Python has no
// app.config with binding redirects; MilestonePSTools solves the same with
// its own resolve handler. This assembly references nothing but mscorlib, so
// it loads before the SDK and its handler is in place for the SDK's own
// loads (also on the SDK's background threads, with no Python involved).
using System;
using System.Collections.Generic;
using System.IO;
using System.Reflection;

namespace SmartSync.Loader
{
    public static class AssemblyResolver
    {
        private static readonly object Gate = new object();
        private static readonly List<string> Folders = new List<string>();
        private static bool installed;
        private static int resolved;

        /// <summary>Resolves failed loads from folder (added to any folders given before); idempotent.</summary>
        public static void Install(string folder)
        {
            string full = Path.GetFullPath(folder);
            lock (Gate)
            {
                if (!Folders.Contains(full)) Folders.Add(full);
                if (installed) return;
                AppDomain.CurrentDomain.AssemblyResolve += OnResolve;
                installed = true;
            }
        }

        /// <summary>The folders the handler answers from, in the order they were installed.</summary>
        public static string[] InstalledFolders
        {
            get { lock (Gate) return Folders.ToArray(); }
        }

        /// <summary>How many loads the handler has answered (for doctor and tests).</summary>
        public static int Resolved
        {
            get { lock (Gate) return resolved; }
        }

        /// <summary>
        /// The file among candidates that answers a request for requestedName (a full assembly name such as
        /// "Newtonsoft.Json, Version=12.0.0.0, ..."): the one whose file name is the simple name, any version,
        /// as a binding redirect would. Null when none matches (satellite ".resources" requests included).
        /// </summary>
        public static string Pick(string requestedName, string[] candidates)
        {
            string simple = SimpleName(requestedName);
            if (simple == null) return null;
            foreach (string path in candidates)
            {
                if (string.Equals(Path.GetFileNameWithoutExtension(path), simple, StringComparison.OrdinalIgnoreCase))
                    return path;
            }
            return null;
        }

        private static string SimpleName(string requestedName)
        {
            try { return new AssemblyName(requestedName).Name; }
            catch (Exception) { return null; }  // not an assembly name at all: not ours to answer
        }

        private static Assembly OnResolve(object sender, ResolveEventArgs args)
        {
            string simple = SimpleName(args.Name);
            if (simple == null) return null;
            // Already loaded under another version: hand out that one instead of loading a second copy.
            foreach (Assembly a in AppDomain.CurrentDomain.GetAssemblies())
            {
                if (string.Equals(a.GetName().Name, simple, StringComparison.OrdinalIgnoreCase)) return Count(a);
            }
            string[] folders;
            lock (Gate) folders = Folders.ToArray();
            foreach (string folder in folders)
            {
                if (!Directory.Exists(folder)) continue;
                var files = new List<string>(Directory.GetFiles(folder, "*.dll"));
                files.AddRange(Directory.GetFiles(folder, "*.exe"));
                string path = Pick(args.Name, files.ToArray());
                if (path != null) return Count(Assembly.LoadFrom(path));
            }
            return null;
        }

        private static Assembly Count(Assembly a)
        {
            lock (Gate) resolved++;
            return a;
        }
    }
}
