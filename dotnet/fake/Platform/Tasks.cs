// ServerTask (long and quick operations) and InvokeInfo (operations that take
// parameters before they run), shaped like the real SDK's.
using System;
using System.Collections.Generic;
using FakeMip;

namespace VideoOS.Platform.ConfigurationItems
{
    public enum StateEnum { Idle, InProgress, Success, Error }

    /// <summary>Failure of an operation, reported through the task's ErrorText rather than thrown.</summary>
    internal sealed class TaskFailure : Exception
    {
        public TaskFailure(string message) : base(message) { }
    }

    public class ServerTask : IConfigurationItem
    {
        /// <summary>Polls a long operation needs before it completes.</summary>
        internal const int PollsToFinish = 2;

        internal int pollsLeft;
        internal Func<SiteStore, ServerTask, string> work;
        internal bool writes;
        internal List<string> faultKeys = new List<string>();
        private StateEnum state = StateEnum.Idle;
        private int progress;
        private int errorCode;
        private string errorText = "";

        public ServerTask() { }

        public StateEnum State { get { return state; } }
        public int Progress { get { return progress; } }
        public int ErrorCode { get { return errorCode; } }
        public string ErrorText { get { return errorText; } }

        /// <summary>Asks the server how the task is doing (one round trip); the change lands on the last poll.</summary>
        public void UpdateState()
        {
            Require();
            var st = Sessions.RoundTrip(sid);
            lock (this)
            {
                if (state != StateEnum.InProgress) return;
                pollsLeft--;
                if (pollsLeft > 0) { progress = 100 * (PollsToFinish - pollsLeft) / PollsToFinish; Sync(); return; }
                Complete(st);
            }
        }

        internal void Begin()
        {
            pollsLeft = PollsToFinish;
            state = StateEnum.InProgress;
            Sync();
        }

        internal void Complete(SiteStore st)
        {
            lock (st.Lock)
            {
                st.EnsureFresh();
                foreach (var key in faultKeys)
                {
                    var text = st.FaultText("FailTask", key);
                    if (text != null) { Fail(text, 500); return; }
                }
                try
                {
                    path = work(st, this) ?? "";
                    if (writes)
                    {
                        st.WriteThrough();
                        Diagnostics.CountWrite(sid.HostKey);
                    }
                    state = StateEnum.Success;
                    progress = 100;
                }
                catch (TaskFailure f)
                {
                    Fail(f.Message, 400);
                }
                catch (Exception e)
                {
                    // The work may have changed the tree half-way: forget it and re-read the file.
                    st.Discard();
                    Fail(e.Message, 500);
                }
            }
            Sync();
        }

        private void Fail(string text, int code)
        {
            state = StateEnum.Error;
            errorText = text;
            errorCode = code;
            progress = 100;
            Sync();
        }

        /// <summary>Mirrors the typed state into the property bag for GetProperty.</summary>
        internal void Sync()
        {
            values.Set("State", state.ToString());
            values.Set("Progress", (long)progress);
            values.Set("ErrorCode", (long)errorCode);
            values.Set("ErrorText", errorText);
            values.Set("Path", path ?? "");
        }

        public override string ToString() { return "ServerTask " + state + " " + progress + "% " + errorText; }
    }

    /// <summary>Parameters for an operation; ExecuteDefault runs it and returns its task.</summary>
    public class InvokeInfo : IConfigurationItem
    {
        internal Func<InvokeInfo, ServerTask> execute;

        public InvokeInfo() { }

        public string ItemSelection { get { return S("ItemSelection"); } set { Put("ItemSelection", value); } }

        public ServerTask ExecuteDefault()
        {
            Require();
            if (execute == null) throw new NotSupportedMIPException("This invoke object has nothing to execute.");
            return execute(this);
        }

        public override void Save() { ExecuteDefault(); }

        public override string ToString() { return "InvokeInfo " + itemType + " on " + parentPath; }
    }
}
