// The outcome of validating a configuration item, as the real Configuration API
// reports it: a flag plus one entry per rejected property.
using System.Collections.Generic;

namespace VideoOS.Platform.Proxy.ConfigApi
{
    /// <summary>One rejected property: which one, why, and a stable id for the reason.</summary>
    public class ValidateErrorResult
    {
        public ValidateErrorResult() { }

        public ValidateErrorResult(string errorProperty, string errorText, string errorTextId)
        {
            ErrorProperty = errorProperty;
            ErrorText = errorText;
            ErrorTextId = errorTextId;
        }

        public string ErrorProperty { get; set; }
        public string ErrorText { get; set; }
        public string ErrorTextId { get; set; }

        public override string ToString() { return ErrorProperty + ": " + ErrorText; }
    }

    /// <summary>ValidatedOk is true exactly when ErrorResults is empty.</summary>
    public class ValidateResult
    {
        private readonly List<ValidateErrorResult> errors = new List<ValidateErrorResult>();

        public bool ValidatedOk { get { return errors.Count == 0; } }
        public List<ValidateErrorResult> ErrorResults { get { return errors; } }
        public string ResultItemPath { get; set; }

        public void AddError(string property, string text, string textId)
        {
            errors.Add(new ValidateErrorResult(property, text, textId));
        }

        public override string ToString()
        {
            if (ValidatedOk) return "ValidatedOk";
            var parts = new List<string>();
            foreach (var e in errors) parts.Add(e.ToString());
            return string.Join("; ", parts);
        }
    }
}
