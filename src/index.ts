import './ssh/dirname-shim.js'
import * as core from '@actions/core'
import { run as main } from './main.js'
import { run as post } from './post.js'

// The runner sets STATE_isPost for the post step from what the main step saved.
if (core.getState('isPost')) {
  await post()
} else {
  core.saveState('isPost', 'true')
  await main()
}
