package tools

import "context"

// ProgressFunc receives progress of a long call (wait:true). total is 0 when unknown.
type ProgressFunc func(progress, total float64, message string)

type progressKey struct{}

// WithProgress attaches a progress reporter to a call's context; the server sets
// it when the host sent a progress token.
func WithProgress(ctx context.Context, f ProgressFunc) context.Context {
	return context.WithValue(ctx, progressKey{}, f)
}

// ReportProgress sends progress if the caller asked for it.
func ReportProgress(ctx context.Context, progress, total float64, message string) {
	if f, ok := ctx.Value(progressKey{}).(ProgressFunc); ok && f != nil {
		f(progress, total, message)
	}
}
